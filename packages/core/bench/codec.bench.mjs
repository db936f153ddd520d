// Codecs: encode and decode speed and size of the `binary` and `structured` codecs against
// `json` (JSON.stringify + UTF-8 / UTF-8 + JSON.parse, what the json codec does) on an order
// record and on a numeric record. Each codec writes into and reads from the same private
// buffer, as a SharedQueue does with its scratch buffer. Target: binary at least as fast as
// json both ways. Runs against the built package: `node bench/run.mjs codec`.
import { codecs } from '../dist/index.js';
import { machine, report } from './report.mjs';

const order = {
  id: 184_467,
  customer: { name: 'Ada Lovelace', email: 'ada@example.com', vip: true },
  createdAt: '2026-11-30T00:12:45.120Z',
  status: 'paid',
  items: [
    { sku: 'BK-1001', title: 'Notes on the Analytical Engine', qty: 1, price: 24.5 },
    { sku: 'PN-0042', title: 'Fountain pen', qty: 2, price: 12.99 },
    { sku: 'IN-0007', title: 'Ink, blue-black', qty: 3, price: 4.25 },
  ],
  total: 63.23,
  currency: 'EUR',
  note: null,
};
const numeric = {
  sensor: 17,
  t: 1_764_461_565_120,
  readings: [20.5, 20.75, 21.125, 19.875, 22.0625, 23.5, 18.25, 20.0],
  min: -3.5,
  max: 41.25,
};

const SLOT = 1024;
const scratch = new Uint8Array(SLOT);

/**
 * Operations per CPU second of each function of `fns`, best of 7 rounds of ~100 ms each; the
 * functions take turns round by round. CPU time (process.cpuUsage) rather than wall time, so
 * that time this process spends descheduled on a busy machine does not count against it.
 */
function opsPerSecond(fns) {
  const best = fns.map(() => 0);
  for (const fn of fns) for (let i = 0; i < 2000; i++) fn(); // warm up
  for (let round = 0; round < 7; round++) {
    fns.forEach((fn, index) => {
      const batch = 500;
      let done = 0;
      const start = process.cpuUsage();
      let elapsed = 0;
      while (elapsed < 100_000) {
        for (let i = 0; i < batch; i++) fn();
        done += batch;
        const used = process.cpuUsage(start);
        elapsed = used.user + used.system;
      }
      best[index] = Math.max(best[index], (done / elapsed) * 1e6);
    });
  }
  return best;
}

const rows = [];
const ratios = {};
for (const [label, record] of [
  ['order record', order],
  ['numeric record', numeric],
]) {
  const figures = {};
  const names = ['json', 'binary', 'structured'];
  const bytes = {};
  for (const name of names) {
    const codec = codecs[name];
    const length = codec.encode(record, scratch);
    bytes[name] = scratch.slice(0, length);
    const back = codec.decode(bytes[name]);
    if (JSON.stringify(back) !== JSON.stringify(record))
      throw new Error(`${name} changed the record`);
  }
  const encodes = opsPerSecond(names.map((name) => () => codecs[name].encode(record, scratch)));
  const decodes = opsPerSecond(names.map((name) => () => codecs[name].decode(bytes[name])));
  names.forEach((name, i) => {
    figures[name] = { encode: encodes[i], decode: decodes[i], length: bytes[name].length };
    rows.push({
      record: label,
      codec: name,
      bytes: bytes[name].length,
      'encode ops/s': Math.round(encodes[i]).toLocaleString('en-US'),
      'decode ops/s': Math.round(decodes[i]).toLocaleString('en-US'),
    });
  });
  ratios[label] = {
    encode: figures.binary.encode / figures.json.encode,
    decode: figures.binary.decode / figures.json.decode,
    size: figures.json.length / figures.binary.length,
    figures,
  };
}
console.log(`codecs, ops per CPU second, best of 7 rounds; ${machine()}`);
console.table(rows);
for (const [label, r] of Object.entries(ratios)) {
  console.log(
    `${label}: binary vs json encode ${r.encode.toFixed(2)}x, decode ${r.decode.toFixed(2)}x, ` +
      `${r.size.toFixed(2)}x smaller (target >= 1x each)`,
  );
}
const o = ratios['order record'];
const n = ratios['numeric record'];
const k = (x) => `${(x / 1e6).toFixed(2)} M/s`;
report({
  what: 'binary codec vs json, order record: encode',
  baton: k(o.figures.binary.encode),
  peer: `json ${k(o.figures.json.encode)}`,
  ratio: Number(o.encode.toFixed(2)),
  target: 1,
});
report({
  what: 'binary codec vs json, order record: decode',
  baton: k(o.figures.binary.decode),
  peer: `json ${k(o.figures.json.decode)}`,
  ratio: Number(o.decode.toFixed(2)),
  target: 1,
});
report({
  what: 'binary codec vs json, numeric record: encode / decode',
  baton: `${k(n.figures.binary.encode)} / ${k(n.figures.binary.decode)}`,
  peer: `json ${k(n.figures.json.encode)} / ${k(n.figures.json.decode)}`,
  ratio: Number(Math.min(n.encode, n.decode).toFixed(2)),
  target: 1,
});
report({
  what: 'binary codec size vs json (order / numeric record)',
  baton: `${o.figures.binary.length} / ${n.figures.binary.length} bytes`,
  peer: `json ${o.figures.json.length} / ${n.figures.json.length} bytes`,
  ratio: Number(Math.min(o.size, n.size).toFixed(2)),
  target: 1,
});
