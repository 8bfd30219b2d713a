// The tests that start the command as a child process run the bundle: build it from the sources
// as they are now, once, before any test can start the launcher (which would otherwise rebuild it
// in several processes at once).
export default async function setup(): Promise<void> {
  const { buildBundle } = await import('../scripts/bundle.mjs');
  await buildBundle();
}
