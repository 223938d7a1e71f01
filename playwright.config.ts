import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests. Browser mode runs in Debian's Chromium everywhere; the Electron project runs
 * where an Electron binary exists (its tests skip with a printed reason elsewhere).
 * `npx playwright install` downloads browsers and is not used: set CASEBOOK_CHROMIUM to point at
 * another Chromium.
 */
export default defineConfig({
  testDir: 'e2e',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: true,
  reporter: [['list']],
  use: {
    launchOptions: {
      executablePath: process.env.CASEBOOK_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    },
    screenshot: 'only-on-failure',
    trace: 'off',
  },
});
