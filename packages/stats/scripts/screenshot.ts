/**
 * Screenshot an HTML report with headless Chromium (Debian's /usr/bin/chromium) for a visual check.
 *   pnpm --filter @oversight/stats exec tsx scripts/screenshot.ts /tmp/oversight-report/report.html /tmp/report.png
 */
import { chromium } from 'playwright-core';

const [input = '/tmp/oversight-report/report.html', output = '/tmp/oversight-report/report.png'] =
  process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1240, height: 900 } });
  const requests: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) requests.push(r.url());
  });
  await page.goto(`file://${input}`);
  await page.screenshot({ path: output, fullPage: true });
  // also in 1400-pixel slices, which are easier to inspect than one very tall image
  const height = (await page.evaluate('document.documentElement.scrollHeight')) as number;
  for (let y = 0, k = 1; y < height; y += 1400, k++) {
    await page.screenshot({
      path: output.replace(/\.png$/, `-${k}.png`),
      clip: { x: 0, y, width: 1240, height: Math.min(1400, height - y) },
      fullPage: true,
    });
  }
  console.log(
    `screenshot: ${output}${requests.length ? `; external requests: ${requests.join(', ')}` : '; no external requests'}`,
  );
} finally {
  await browser.close();
}
