import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli';
import { cifarEntries, records, writeArchive } from '../datasets/helpers';
import { captureIo } from '../helpers/io';
import { tempDir } from '../helpers/lab';

describe('casebook CLI', () => {
  it('prints usage and exits 2 without a command', async () => {
    const io = captureIo();
    expect(await runCli([], io)).toBe(2);
    expect(io.out()).toContain('Usage: casebook <command>');
  });

  it('documents every command with --help', async () => {
    for (const command of [
      'import',
      'serve',
      'study',
      'evaluate',
      'explain',
      'background',
      'export-cases',
      'export-run',
      'import-run',
      'export-model',
    ]) {
      const io = captureIo();
      expect(await runCli([command, '--help'], io)).toBe(0);
      expect(io.out()).toContain(`Usage: casebook ${command}`);
      expect(io.out()).toContain('--db <file>');
    }
  });

  it('gives a usage error (exit 2) for an unknown command or option', async () => {
    const io = captureIo();
    expect(await runCli(['frobnicate'], io)).toBe(2);
    expect(io.err()).toContain('unknown command "frobnicate"');
    const io2 = captureIo();
    expect(await runCli(['import', '--archive', 'x.tar.gz', '--colour', 'red'], io2)).toBe(2);
    expect(io2.err()).toMatch(/Unknown option '--colour'/);
    expect(io2.err()).toContain('Usage: casebook import');
  });

  it('explain needs a run, and names a bad method', async () => {
    const io = captureIo();
    expect(await runCli(['explain'], io)).toBe(2);
    expect(io.err()).toContain('--run <id> is required');
    const io2 = captureIo();
    expect(await runCli(['explain', '--run', '1', '--method', 'lime'], io2)).toBe(2);
    expect(io2.err()).toMatch(/method/);
    const io3 = captureIo();
    expect(await runCli(['explain', '--run', '7', '--db', join(tempDir(), 'x.db')], io3)).toBe(1);
    expect(io3.err()).toContain('no run with id 7');
  });

  it('needs exactly one of --archive and --folder', async () => {
    const io = captureIo();
    expect(await runCli(['import', '--db', join(tempDir(), 'x.db')], io)).toBe(2);
    expect(io.err()).toContain('give exactly one of --archive');
  });

  it('study takes exactly one of --archive and --sample', async () => {
    const io = captureIo();
    expect(await runCli(['study', '--sample', '--archive', 'a.tar.gz'], io)).toBe(2);
    expect(io.err()).toContain('give either --archive or --sample, not both');
    expect(io.err()).toContain('Usage: casebook study');
    const io2 = captureIo();
    expect(await runCli(['study'], io2)).toBe(2);
    expect(io2.err()).toContain('--archive <path|url> or --sample is required');
    const io3 = captureIo();
    expect(await runCli(['study', '--sample', '--classes', 'cat,dog'], io3)).toBe(2);
    expect(io3.err()).toContain('--classes goes with --archive');
  });

  it('study trains, evaluates and explains, and prints one JSON line per run', async () => {
    const dir = tempDir();
    const labels = [4, 6, 9, 4, 6, 9, 4, 6, 9, 4, 6, 9];
    const archive = await writeArchive(
      dir,
      'tiny.tar.gz',
      cifarEntries({ train: [records(labels, 0)], test: records(labels.slice(0, 6), 100) }),
    );
    const io = captureIo();
    const argv = [
      'study',
      '--archive',
      archive,
      '--models',
      'cnn',
      '--epochs',
      '1',
      '--json',
      '--db',
      join(dir, 'x.db'),
    ];
    expect(await runCli(argv, io)).toBe(0);
    const lines = io.out().trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(Object.keys(line)).toEqual([
      'runId',
      'model',
      'params',
      'backend',
      'epochs',
      'bestEpoch',
      'trainImagesPerSecond',
      'trainSeconds',
      'valLoss',
      'testLoss',
      'testAccuracy',
      'metrics',
      'explanations',
      'background',
    ]);
    expect(line).toMatchObject({
      runId: 1,
      model: 'cnn',
      epochs: 1,
      metrics: { images: 6 },
      explanations: { images: 6 },
      background: { images: 6, samples: 1 },
    });
    expect(io.err()).toContain('Training CNN…');
    expect(io.err()).toContain('Explaining CNN…');
    expect(io.err()).toContain('Testing the background of CNN…');
    // the stored test, through the background command; --again tests again (the same numbers)
    const study = line.background as { meanDependence: number; flips: number };
    for (const extra of [[], ['--again']]) {
      const out = captureIo();
      expect(await runCli(['background', '--run', '1', '--json', '--db', join(dir, 'x.db'), ...extra], out)).toBe(0);
      expect(JSON.parse(out.out())).toEqual({
        runId: 1,
        meanDependence: study.meanDependence,
        flips: study.flips,
        images: 6,
      });
    }
    const text = captureIo();
    expect(await runCli(['background', '--run', '1', '--top', '2', '--db', join(dir, 'x.db')], text)).toBe(0);
    expect(text.out()).toMatch(/^run 1: background test of 6 images: mean dependence/);
    expect(text.out().trim().split('\n')).toHaveLength(3);
    const bad = captureIo();
    expect(await runCli(['background', '--run', '1', '--samples', '1', '--db', join(dir, 'x.db')], bad)).toBe(2);
    expect(bad.err()).toContain('--samples must be a whole number ≥ 2');
  });

  it('study --seeds trains each model over the seeds, and runs --json names their group', async () => {
    const dir = tempDir();
    const labels = [4, 6, 9, 4, 6, 9];
    const archive = await writeArchive(
      dir,
      'tiny.tar.gz',
      cifarEntries({ train: [records(labels, 0)], test: records(labels.slice(0, 3), 100) }),
    );
    const db = join(dir, 'x.db');
    const bad = captureIo();
    expect(await runCli(['study', '--archive', archive, '--seeds', '0', '--db', db], bad)).toBe(2);
    expect(bad.err()).toContain('--seeds must be a whole number ≥ 1 and ≤ 50, not "0"');
    const io = captureIo();
    const argv = [
      'study',
      '--archive',
      archive,
      '--models',
      'cnn',
      '--epochs',
      '1',
      '--seed',
      '3',
      '--seeds',
      '2',
      '--json',
      '--db',
      db,
    ];
    expect(await runCli(argv, io)).toBe(0);
    expect(io.out().trim().split('\n')).toHaveLength(2);
    const listed = captureIo();
    expect(await runCli(['runs', '--db', db, '--json'], listed)).toBe(0);
    const runs = listed
      .out()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { runId: number; group: number | null; status: string });
    expect(runs.map((r) => [r.runId, r.group, r.status])).toEqual([
      [1, 1, 'done'],
      [2, 1, 'done'],
    ]);
  });

  it('lists every command with its summary in the main usage', async () => {
    const io = captureIo();
    expect(await runCli(['--help'], io)).toBe(0);
    // names padded to the longest name ("setup-electron", 14) plus one space
    expect(io.out()).toMatch(/^ {2}import {9}import a CIFAR-10 binary archive or an image folder/m);
    expect(io.out()).toMatch(/^ {2}evaluate {7}evaluate a finished run on its test set/m);
    expect(io.out()).toMatch(/^ {2}setup-electron {1}get what the desktop window needs/m);
    for (const name of ['export-run', 'import-run', 'export-model', 'export-cases', 'doctor'])
      expect(io.out()).toMatch(new RegExp(`^ {2}${name} +\\S`, 'm'));
  });

  it('rejects a malformed md5 and a bad port as usage errors', async () => {
    const io = captureIo();
    expect(await runCli(['import', '--archive', 'a.tar.gz', '--md5', 'xyz'], io)).toBe(2);
    expect(io.err()).toContain('md5: an md5 is 32 hexadecimal digits');
    const io2 = captureIo();
    expect(await runCli(['serve', '--port', 'http'], io2)).toBe(2);
    expect(io2.err()).toContain('--port must be a whole number');
  });

  it('fails with exit 1 and names the file when the archive is missing', async () => {
    const io = captureIo();
    const missing = join(tempDir(), 'nowhere.tar.gz');
    expect(await runCli(['import', '--archive', missing, '--db', join(tempDir(), 'x.db'), '--json'], io)).toBe(1);
    expect(io.err()).toContain(missing);
    expect(io.out()).toBe('');
  });
});
