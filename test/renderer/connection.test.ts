/** What a browser-mode tab does and says when Casebook goes away: backoff and the exact action. */
import { describe, expect, it } from 'vitest';
import { connectionAdvice, retryDelay } from '../../src/renderer/src/lib/connection';

describe('reconnecting', () => {
  it('waits 0.5 s, doubling, at most 5 s between attempts', () => {
    expect([0, 1, 2, 3, 4, 5, 50].map(retryDelay)).toEqual([500, 1000, 2000, 4000, 5000, 5000, 5000]);
  });

  it('tells a logged-out tab to open the printed URL', () => {
    expect(connectionAdvice('unauthorized', '127.0.0.1:41234')).toBe(
      "This tab's login is from an older Casebook session: open the URL Casebook printed when it started " +
        '(`npm start` or `casebook serve`).',
    );
  });

  it('tells a tab whose server is gone about another port, naming where it looked', () => {
    expect(connectionAdvice('lost', '127.0.0.1:41234')).toMatch(
      /^Casebook is not answering at 127\.0\.0\.1:41234\. If it restarted on another port: open the URL it printed\./,
    );
  });

  it('says nothing while connected or still retrying', () => {
    for (const state of ['connecting', 'open', 'reconnecting'] as const)
      expect(connectionAdvice(state, 'h')).toBeNull();
  });
});
