import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importDataset } from '../../src/main/lab/datasets/import';
import { openDatabase } from '../../src/main/lab/store/database';
import { DatasetStore } from '../../src/main/lab/store/datasets';
import { ImportRequest } from '../../src/shared/contract';

/** The deer/frog/truck subset of CIFAR-10 kept beside the checkout (see ../shared/data/README.md). */
const file = resolve(import.meta.dirname, '../../../shared/data/cifar-10-binary-deer-frog-truck.tar.gz');
const exists = existsSync(file);
if (!exists) console.log(`skipping the real-archive import test: ${file} is not there`);

describe('the real deer/frog/truck archive', () => {
  const db = openDatabase(':memory:');
  const store = new DatasetStore(db);
  afterAll(() => db.close());

  it.skipIf(!exists)(
    'imports 5,000 training and 1,000 test images per class, and reuses them the second time',
    async () => {
      const request = ImportRequest.parse({ kind: 'archive', source: file, classes: ['deer', 'frog', 'truck'] });
      const first = await importDataset(store, request);
      expect(first.reused).toBe(false);
      expect(first.dataset.counts).toEqual({
        train: { deer: 5000, frog: 5000, truck: 5000 },
        test: { deer: 1000, frog: 1000, truck: 1000 },
      });
      expect(first.dataset.sourceSha256).toBe('d3a5a8e4491a73ac902585a6785193b75b9e33573e8cd2d671ecc0b33190353e');
      const second = await importDataset(store, request);
      expect(second).toMatchObject({ reused: true, dataset: { id: first.dataset.id } });
      expect(store.list()).toHaveLength(1);
    },
  );
});
