// Writes the sample study shipped with the app: the first 500 training and the first 100 test
// records of each of deer, frog and truck from a CIFAR-10 binary archive, in the official layout
// (cifar-10-batches-bin/data_batch_1..5.bin, test_batch.bin, batches.meta.txt), each record in
// the batch it came from and in its original order.
//
//   node scripts/make-sample.mjs <cifar-10-binary.tar.gz> [out.tar.gz]
//
// The output is reproducible: same input, same bytes (fixed entry times, no gzip timestamp).
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGunzip, createGzip } from 'node:zlib';
import { extract, pack } from 'tar-stream';

const CLASSES = ['deer', 'frog', 'truck'];
const PER_CLASS = { train: 500, test: 100 };
const RECORD_BYTES = 1 + 32 * 32 * 3;
const DIR = 'cifar-10-batches-bin';
const BATCHES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
const ENTRY_TIME = new Date('2009-06-04T00:00:00Z');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [source, out = join(root, 'resources', 'sample', 'cifar-10-sample-deer-frog-truck.tar.gz')] =
  process.argv.slice(2);
if (!source) {
  console.error('usage: node scripts/make-sample.mjs <cifar-10-binary.tar.gz> [out.tar.gz]');
  process.exit(2);
}

/** Every entry of the archive under its base name, as bytes. */
async function readEntries(file) {
  const entries = new Map();
  const reader = extract();
  reader.on('entry', (header, stream, next) => {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', () => {
      if (header.type === 'file') entries.set(basename(header.name), Buffer.concat(chunks));
      next();
    });
  });
  await pipeline(createReadStream(file), createGunzip(), reader);
  return entries;
}

function entry(entries, name) {
  const bytes = entries.get(name);
  if (!bytes) throw new Error(`${source} has no ${name}: not a CIFAR-10 binary archive`);
  if (name.endsWith('.bin') && bytes.length % RECORD_BYTES !== 0)
    throw new Error(`${source}: ${name} is not a whole number of ${RECORD_BYTES}-byte records`);
  return bytes;
}

const entries = await readEntries(source);
const meta = entry(entries, 'batches.meta.txt');
const names = meta
  .toString('utf8')
  .split(/\r?\n/)
  .map((line) => line.trim())
  .filter(Boolean);
const labels = new Map(
  CLASSES.map((name) => {
    const label = names.indexOf(name);
    if (label < 0) throw new Error(`${source}: batches.meta.txt names no class '${name}'`);
    return [label, name];
  }),
);

/** Keeps the first `limit` records of each wanted class, batch after batch, in order. */
function select(batchNames, limit) {
  const taken = new Map([...labels.keys()].map((label) => [label, 0]));
  const kept = batchNames.map((name) => {
    const bytes = entry(entries, name);
    const records = [];
    for (let offset = 0; offset < bytes.length; offset += RECORD_BYTES) {
      const label = bytes[offset];
      const count = taken.get(label);
      if (count === undefined || count >= limit) continue;
      taken.set(label, count + 1);
      records.push(bytes.subarray(offset, offset + RECORD_BYTES));
    }
    return { name, bytes: Buffer.concat(records) };
  });
  for (const [label, count] of taken)
    if (count < limit)
      throw new Error(`${source}: only ${count} records of '${labels.get(label)}' in ${batchNames.join(', ')}`);
  return kept;
}

const files = [
  ...select(BATCHES, PER_CLASS.train),
  ...select(['test_batch.bin'], PER_CLASS.test),
  { name: 'batches.meta.txt', bytes: meta },
];

mkdirSync(dirname(out), { recursive: true });
const writer = pack();
const written = pipeline(writer, createGzip({ level: 9 }), createWriteStream(out));
writer.entry({ name: `${DIR}/`, type: 'directory', mode: 0o755, mtime: ENTRY_TIME });
for (const file of files) {
  writer.entry({ name: `${DIR}/${file.name}`, mode: 0o644, mtime: ENTRY_TIME }, file.bytes);
  console.log(
    `${DIR}/${file.name}: ${file.name.endsWith('.bin') ? `${file.bytes.length / RECORD_BYTES} records` : `${file.bytes.length} bytes`}`,
  );
}
writer.finalize();
await written;
console.log(`wrote ${out}`);
