#!/usr/bin/env node
// The `oversight` command: runs the bundled CLI (see ../scripts/bundle.mjs), first rebuilding the
// bundle when it is missing or any file it was built from is newer than the build, so what runs is
// always the source as it is now.
import { pathToFileURL } from 'node:url';
import { buildBundle, bundleFile, bundleIsCurrent } from '../scripts/bundle.mjs';

if (!bundleIsCurrent()) {
  try {
    await buildBundle();
  } catch (error) {
    if (error.code === 'EACCES' || error.code === 'EPERM' || error.code === 'EROFS') {
      console.error(
        `error: cannot write the CLI's bundle (${error.code}: ${error.path}); run  pnpm --filter @oversight/cli build  as the user who owns the checkout`,
      );
      process.exit(3);
    }
    // esbuild has printed what is wrong, file and line; its stack trace would add nothing.
    console.error('error: the CLI could not be built from its sources (see above); fix them and run again');
    process.exit(1);
  }
}
// Stack traces (shown with --debug) then point into the TypeScript sources.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
await import(pathToFileURL(bundleFile).href);
