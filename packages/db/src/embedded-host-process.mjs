// The process `hostEmbedded` starts (embedded-host.ts): its sources run through tsx, as the apps' do.
import { register } from 'tsx/esm/api';

register();
const { runEmbeddedHost } = await import('./embedded-host.ts');
await runEmbeddedHost(process.argv[2]);
process.exit(0);
