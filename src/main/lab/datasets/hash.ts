import { createHash } from 'node:crypto';
import { SPLITS, type DatasetContent } from './types';

/**
 * A content hash of a dataset: class names, image shape, and every split's labels and pixels in
 * order. The same images imported twice (from the same archive or a copy) hash the same.
 */
export function contentHash(content: DatasetContent): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ classes: content.classes, shape: content.shape }));
  for (const split of SPLITS) {
    const data = content[split];
    hash.update(`\n${split}:${data.labels.length}\n`);
    hash.update(data.labels);
    hash.update(data.pixels);
  }
  return hash.digest('hex');
}
