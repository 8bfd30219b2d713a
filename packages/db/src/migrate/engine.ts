// Loads Prisma's schema engine compiled to WebAssembly. Its package entry imports the `.wasm` file as an
// ES module, which Node 20 cannot do, so we instantiate the bytes ourselves and hand the exports to the
// wasm-bindgen glue. This lets migrations run offline: the CLI would first download a native engine.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type * as Bg from '@prisma/schema-engine-wasm/schema_engine_bg';

export type SchemaEngine = Bg.SchemaEngine;
export type MigrationList = Bg.MigrationList;

// The project's TS lib has no DOM/WebAssembly typings; this is the part of the global API we use.
interface WasmApi {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, unknown>,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

// The engine races its database work against timeouts (e.g. 10 s for the migration advisory lock) and
// never clears the losing timer, which would keep the process alive for seconds after a migration.
// We record its timers and clear them once no engine is running.
const engineTimers = new Set<NodeJS.Timeout>();
let activeEngines = 0;

// The glue keeps the instance in a module-level variable, so one instantiation serves the whole process.
let loaded: Promise<typeof Bg> | undefined;

function loadWasm(): Promise<typeof Bg> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bg = (await import(gluePath)) as typeof Bg & Record<string, unknown>;
    const imports: Record<string, unknown> = { ...bg };
    for (const name of Object.keys(bg).filter((n) => n.startsWith('__wbg_setTimeout_'))) {
      imports[name] = (callback: () => void, ms: number) => {
        const timer: NodeJS.Timeout = setTimeout(() => {
          engineTimers.delete(timer);
          callback();
        }, ms >>> 0);
        engineTimers.add(timer);
        return timer;
      };
    }
    const bytes = await readFile(path.join(path.dirname(gluePath), 'schema_engine_bg.wasm'));
    const { instance } = await wasmApi.instantiate(bytes, { './schema_engine_bg.js': imports });
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bg;
  })();
  return loaded;
}

export interface EngineOptions {
  schemaPath: string;
  schemaText: string;
  /** Receives the engine's JSON log lines; silent by default. */
  log?: (line: string) => void;
}

/** Runs `work` with a schema engine bound to the adapter factory, then frees the engine and its timers. */
export async function withSchemaEngine<T>(
  factory: SqlMigrationAwareDriverAdapterFactory,
  options: EngineOptions,
  work: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  const bg = await loadWasm();
  activeEngines++;
  try {
    // The engine rejects a raw factory: it needs the error-capturing wrapper.
    const engine = await bg.SchemaEngine.new(
      { datamodels: [[options.schemaPath, options.schemaText]] },
      options.log ?? (() => {}),
      bindMigrationAwareSqlAdapterFactory(factory),
    );
    try {
      return await work(engine);
    } finally {
      engine.free();
    }
  } finally {
    activeEngines--;
    if (activeEngines === 0) {
      for (const timer of engineTimers) clearTimeout(timer);
      engineTimers.clear();
    }
  }
}
