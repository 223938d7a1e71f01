import { describe, expect, it } from 'vitest';
import type { AgentsStatus } from '../../src/shared/contract';
import { AgentSettingsState, agentsBadge, agentsText } from '../../src/renderer/src/state/agent-settings.svelte';
import { FakeClient, settle } from './fake-client';

const LOCAL: AgentsStatus = {
  mode: 'local',
  queue: null,
  source: null,
  agents: null,
  waiting: null,
  active: null,
  open: 0,
  problem: null,
  settingsFile: '/data/study.db.settings.json',
};
const ON_AGENTS: AgentsStatus = {
  ...LOCAL,
  mode: 'agents',
  queue: 'redis://:***@queue-host:6379',
  source: 'settings',
  agents: ['gpu-box', 'lab-3'],
  waiting: 4,
  active: 2,
  open: 3,
};

describe('Settings → Train on agents', () => {
  it('says where jobs go in the top bar, and who serves the queue', () => {
    expect(agentsBadge(null)).toBeNull();
    expect(agentsBadge(LOCAL)).toBeNull();
    expect(agentsBadge(ON_AGENTS)).toBe('on agents');
    expect(agentsBadge({ ...ON_AGENTS, mode: 'draining' })).toBe('3 on agents');
    expect(agentsText(['gpu-box'])).toBe('1 agent: gpu-box');
    expect(agentsText(['gpu-box', 'lab-3'])).toBe('2 agents: gpu-box, lab-3');
    expect(agentsText([])).toMatch(/^no agent serves the queue yet/);
    expect(agentsText(null)).toBeNull();
  });

  it('connects with what was typed, keeps the refusal to show, and forgets the URL once connected', async () => {
    const fake = new FakeClient();
    const settings = new AgentSettingsState(fake.client);
    const stop = settings.listen();
    settings.url = '  redis://queue-host:6379 ';
    const refused = settings.connect();
    expect(settings.busy).toBe('connecting');
    const first = fake.take('connectAgents');
    expect(first.input).toEqual({ url: 'redis://queue-host:6379', insecureLocal: false });
    first.resolve({
      ok: false,
      error: { code: 'bad-request', message: 'url: redis://queue-host:6379 has no password' },
    });
    await refused;
    expect(settings).toMatchObject({ busy: null, error: 'url: redis://queue-host:6379 has no password' });
    expect(settings.url).toBe('  redis://queue-host:6379 ');

    settings.url = 'redis://:s3cret@queue-host:6379';
    const connected = settings.connect();
    fake.take('connectAgents').resolve({ ok: true, value: ON_AGENTS });
    await connected;
    expect(settings).toMatchObject({ error: null, url: '', queue: 'redis://:***@queue-host:6379' });

    // the main side drained the queue after a disconnect: the event says so
    fake.emit('agentsChanged', LOCAL);
    await settle();
    expect(settings.queue).toBeNull();
    stop();
  });

  it('refuses an empty URL without asking', async () => {
    const fake = new FakeClient();
    const settings = new AgentSettingsState(fake.client);
    await settings.connect();
    expect(fake.pending).toHaveLength(0);
    expect(settings.error).toMatch(/^Give the Redis URL/);
  });
});
