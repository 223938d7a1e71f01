import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultRunConfig, type RunStatus } from '../../src/shared/contract';
import { runCli } from '../../src/main/cli';
import type { Lab } from '../../src/main/lab/lab';
import { captureIo } from '../helpers/io';
import { tempDir, storesOf } from '../helpers/lab';
import { labOn } from '../helpers/runs';
import { syntheticDataset } from '../helpers/synthetic';

let labs: Lab[] = [];
afterEach(() => {
  for (const lab of labs) lab.close();
  labs = [];
});

/** A database with stored runs (no jobs): tiny cnn configs, in the given states. */
function study(statuses: RunStatus[]): { db: string; ids: number[]; lab: Lab } {
  const dir = tempDir();
  const { lab } = labOn(dir, { ownership: { heartbeatMs: 30, staleMs: 60_000 } });
  labs.push(lab);
  const { dataset } = storesOf(lab).datasets.add(syntheticDataset({ train: 6, test: 2 }));
  const ids = statuses.map((status) => {
    const run = storesOf(lab).runs.create({
      datasetId: dataset.id,
      datasetHash: dataset.contentHash,
      config: { ...defaultRunConfig('cnn'), epochs: 1, batchSize: 6 },
    });
    storesOf(lab).runs.setStatus(run.id, status);
    return run.id;
  });
  return { db: join(dir, 'study.db'), ids, lab };
}

/** Marks a run as trained by this (live) process. */
function ownedHere(lab: Lab, id: number): void {
  storesOf(lab)
    .db.prepare("UPDATE runs SET status = 'running', owner_pid = ?, owner_host = ?, owner_heartbeat = ? WHERE id = ?")
    .run(process.pid, hostname(), new Date().toISOString(), id);
}

describe('casebook runs', () => {
  it('lists the runs as JSON lines, oldest first, and as a table', async () => {
    const { db, ids, lab } = study(['done', 'cancelled']);
    storesOf(lab).runs.setAgent(ids[0]!, 'gpu-box');
    const io = captureIo();
    expect(await runCli(['runs', '--db', db, '--json'], io)).toBe(0);
    const lines = io
      .out()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    expect(lines).toEqual([
      {
        runId: ids[0],
        name: `CNN #${ids[0]}`,
        colour: '#0072b2',
        group: null,
        model: 'cnn',
        status: 'done',
        epochsDone: 0,
        testAccuracy: null,
        agent: 'gpu-box',
      },
      {
        runId: ids[1],
        name: `CNN #${ids[1]}`,
        colour: '#d55e00',
        group: null,
        model: 'cnn',
        status: 'cancelled',
        epochsDone: 0,
        testAccuracy: null,
        agent: null,
      },
    ]);
    const plain = captureIo();
    expect(await runCli(['runs', '--db', db], plain)).toBe(0);
    expect(plain.out()).toMatch(/^run\s+name\s+model\s+status\s+epochs\s+test acc\s+ensemble\s+agent/);
    expect(plain.out()).toMatch(new RegExp(`\\n${ids[1]}\\s+CNN #${ids[1]}\\s+CNN\\s+cancelled\\s+0\\s+-\\s+local`));
    expect(plain.out()).toMatch(new RegExp(`\\n${ids[0]}\\s+CNN #${ids[0]}\\s+CNN\\s+done\\s+0\\s+-\\s+gpu-box`));
  });

  it('documents the run commands with --help', async () => {
    for (const command of ['runs', 'resume', 'cancel', 'delete', 'rename']) {
      const io = captureIo();
      expect(await runCli([command, '--help'], io)).toBe(0);
      expect(io.out()).toContain(`Usage: casebook ${command}`);
      expect(io.out()).toContain('--db <file>');
    }
    const io = captureIo();
    expect(await runCli(['resume'], io)).toBe(2);
    expect(io.err()).toContain('--run <id> is required');
    expect(io.err()).toContain('Usage: casebook resume');
  });
});

describe('casebook rename', () => {
  it('renames a run and sets its colour; runs --json shows them', async () => {
    const { db, ids } = study(['done', 'done']);
    const io = captureIo();
    expect(await runCli(['rename', '--db', db, '--run', String(ids[0]), '--name', ' CNN, lr 3e-4 '], io)).toBe(0);
    expect(io.out()).toBe(`Run ${ids[0]} is now "CNN, lr 3e-4" (#0072b2).\n`);
    const colour = captureIo();
    expect(await runCli(['rename', '--db', db, '--run', String(ids[0]), '--colour', '#CC79A7', '--json'], colour)).toBe(
      0,
    );
    expect(JSON.parse(colour.out())).toMatchObject({ runId: ids[0], name: 'CNN, lr 3e-4', colour: '#cc79a7' });
    const listed = captureIo();
    expect(await runCli(['runs', '--db', db, '--json'], listed)).toBe(0);
    const runs = listed
      .out()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { name: string; colour: string });
    expect(runs.map((r) => [r.name, r.colour])).toEqual([
      ['CNN, lr 3e-4', '#cc79a7'],
      [`CNN #${ids[1]}`, '#d55e00'],
    ]);
  });

  it('refuses a bad name or colour, naming the option, and changes nothing', async () => {
    const { db, ids, lab } = study(['done']);
    const run = String(ids[0]);
    const cases: [string[], RegExp][] = [
      [['--name', '   '], /--name: a run name cannot be empty/],
      [['--name', 'x'.repeat(81)], /--name: a run name has at most 80 characters/],
      [['--name', 'two\nlines'], /--name: a run name is one line/],
      [['--name', 'bad \ud800'], /--name: must be well-formed Unicode/],
      [['--colour', 'blue'], /--colour: a colour is #rrggbb/],
      [['--colour', '#12345'], /--colour: a colour is #rrggbb/],
      [[], /give --name <text>, --colour <#rrggbb> or both/],
    ];
    for (const [options, message] of cases) {
      const io = captureIo();
      expect(await runCli(['rename', '--db', db, '--run', run, ...options], io), options.join(' ')).toBe(2);
      expect(io.err()).toMatch(message);
    }
    expect(storesOf(lab).runs.get(ids[0]!)).toMatchObject({ name: `CNN #${ids[0]}`, colour: '#0072b2' });
    const missing = captureIo();
    expect(await runCli(['rename', '--db', db, '--run', '99', '--name', 'x'], missing)).toBe(1);
    expect(missing.err()).toContain('no run with id 99');
  });
});

describe('casebook resume', () => {
  it('trains an interrupted run to its end', async () => {
    const { db, ids } = study(['interrupted']);
    const io = captureIo();
    expect(await runCli(['resume', '--run', String(ids[0]), '--db', db, '--json'], io)).toBe(0);
    expect(JSON.parse(io.out())).toMatchObject({ runId: ids[0], status: 'done', epochsDone: 1 });
    expect(io.err()).toContain(`Resuming run ${ids[0]} after epoch 0`);
  });

  it('refuses a run a live process trains, naming it', async () => {
    const { db, ids, lab } = study(['interrupted']);
    ownedHere(lab, ids[0] ?? 0);
    const io = captureIo();
    expect(await runCli(['resume', '--run', String(ids[0]), '--db', db], io)).toBe(1);
    expect(io.err()).toContain(`cannot resume run ${ids[0]}: process ${process.pid} is training it`);
    expect(storesOf(lab).runs.get(ids[0] ?? 0).status).toBe('running');
  });
});

describe('casebook cancel', () => {
  it('stops a run another lab trains, and prints its final state', async () => {
    const { db, lab } = study([]);
    const dataset = storesOf(lab).datasets.list()[0];
    const { run } = lab.startRun({ datasetId: dataset?.id ?? 0, model: 'cnn', epochs: 1 });
    const io = captureIo();
    expect(await runCli(['cancel', '--run', String(run.id), '--db', db, '--json'], io)).toBe(0);
    expect(JSON.parse(io.out())).toMatchObject({ runId: run.id, status: 'cancelled' });
    expect(storesOf(lab).runs.get(run.id).status).toBe('cancelled');
  });

  it('says so when the run is not training', async () => {
    const { db, ids } = study(['done']);
    const io = captureIo();
    expect(await runCli(['cancel', '--run', String(ids[0]), '--db', db], io)).toBe(1);
    expect(io.err()).toContain(`run ${ids[0]} is done, not training`);
  });
});

describe('casebook delete', () => {
  it('deletes a run, and refuses one a live process trains', async () => {
    const { db, ids, lab } = study(['done', 'interrupted']);
    const io = captureIo();
    expect(await runCli(['delete', '--run', String(ids[0]), '--db', db, '--json'], io)).toBe(0);
    expect(JSON.parse(io.out())).toEqual({ deleted: [ids[0]] });
    expect(
      storesOf(lab)
        .runs.list()
        .map((run) => run.id),
    ).toEqual([ids[1]]);

    ownedHere(lab, ids[1] ?? 0);
    const refused = captureIo();
    expect(await runCli(['delete', '--run', String(ids[1]), '--db', db], refused)).toBe(1);
    expect(refused.err()).toContain(`cannot delete run ${ids[1]}: process ${process.pid} is training it`);
    expect(storesOf(lab).runs.list()).toHaveLength(1);
  });
});

describe('another command on a database a live process trains in', () => {
  it('leaves the run alone (the reported "evaluate flips it to interrupted")', async () => {
    const { db, lab } = study([]);
    const dataset = storesOf(lab).datasets.list()[0];
    const { run } = lab.startRun({ datasetId: dataset?.id ?? 0, model: 'cnn', epochs: 1 });
    storesOf(lab).runs.markStarted(run.id, { backend: 'wasm', params: 1 });
    const io = captureIo();
    expect(await runCli(['evaluate', '--run', String(run.id), '--db', db], io)).toBe(1);
    expect(io.err()).toContain(`run ${run.id} is running; only a finished run can be evaluated`);
    const resume = captureIo();
    expect(await runCli(['resume', '--run', String(run.id), '--db', db], resume)).toBe(1);
    expect(resume.err()).toContain(`process ${process.pid} is training it`);
    expect(storesOf(lab).runs.get(run.id).status).toBe('running');
  });
});
