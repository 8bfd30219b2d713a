#!/usr/bin/env node
// The `oversight` command: runs the bundled CLI (see ../scripts/bundle.mjs), first rebuilding the
// bundle when it is missing or any file it was built from is newer than the build, so what runs is
// always the source as it is now.
import { pathToFileURL } from 'node:url';
import { buildBundle, bundleFile, bundleIsCurrent } from '../scripts/bundle.mjs';

if (!bundleIsCurrent()) {
  try {
    await buildBundle();
  } catch {
    // esbuild has printed what is wrong, file and line; its stack trace would add nothing.
    console.error('error: the CLI could not be built from its sources (see above); fix them and run again');
    process.exit(1);
  }
}
// Stack traces (shown with --debug) then point into the TypeScript sources.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
await import(pathToFileURL(bundleFile).href);
