/**
 * Builds experiments/datasets/nyu-2023-quality.jsonl.gz, the bundled default dataset, from the NYU
 * 2023 human debate data (Michael et al. 2023, "Debate Helps Supervise Unreliable Experts", NYU,
 * CC-BY 4.0; stories from QuALITY, CC-BY 4.0, and Project Gutenberg). See README.md beside this file.
 *
 *   pnpm --filter @oversight/runner exec tsx ../../experiments/datasets/build-nyu-quality.ts
 *
 * Reads OVERSIGHT_NYU_DATA, default <repo>/../shared/data/nyu-debate-2023. The output is
 * deterministic (sorted, gzip without a timestamp), so rebuilding from the same data gives the same bytes.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parseQuestionsJsonl } from '../../packages/runner/src/datasets.ts';
import {
  NYU_ATTRIBUTION,
  nyuQuestions,
  nyuStories,
  readNyuDebates,
} from '../../packages/runner/src/import-nyu.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const dataDir =
  process.env.OVERSIGHT_NYU_DATA ??
  fileURLToPath(new URL('../shared/data/nyu-debate-2023', `file://${repo}`));
// OVERSIGHT_DATASET_OUT writes elsewhere (the docs test rebuilds it and compares the bytes).
const output =
  process.env.OVERSIGHT_DATASET_OUT ?? fileURLToPath(new URL('./nyu-2023-quality.jsonl.gz', import.meta.url));

const rooms = await readNyuDebates(dataDir);
const { questions } = nyuQuestions(rooms);
const stories = nyuStories(rooms);

const lines: string[] = [
  JSON.stringify({
    about: {
      dataset: 'nyu-2023-quality',
      license: 'CC-BY-4.0',
      attribution: NYU_ATTRIBUTION,
      origin: 'the pub/ folder of the public repository julianmichael/debate, branch 2023-nyu-experiments',
      changes:
        'one record per distinct question (story + question text) of the 631 debate rooms; stories detokenised ' +
        'from Penn Treebank tokens into prose and stored once; answers in the order of the earliest room',
    },
  }),
];
for (const [id, story] of [...stories].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  lines.push(JSON.stringify({ story: { id, title: story.title, source: story.source } }));
for (const { source: _source, ...question } of questions) lines.push(JSON.stringify(question));
const text = `${lines.join('\n')}\n`;

// Read it back through the loader before writing, so a broken build never replaces a good file.
const check = parseQuestionsJsonl(text, output);
if (check.length !== questions.length)
  throw new Error(`round trip gave ${check.length} questions, not ${questions.length}`);

const gz = gzipSync(Buffer.from(text, 'utf8'), { level: 9 });
await writeFile(output, gz);
console.log(
  `${output}: ${questions.length} questions over ${stories.size} stories from ${rooms.length} rooms ` +
    `(${(text.length / 1e6).toFixed(2)} MB of text, ${(gz.length / 1e6).toFixed(2)} MB gzipped)`,
);
