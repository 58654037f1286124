// Reads a PMTiles archive with the npm pmtiles library (the reader MapLibre
// uses) and prints its header and every tile it finds over the header's
// bounds, as JSON: {header, tiles: {"z/x/y": sha256 of the bytes as stored}}.
//   node test/pmtiles-read.mjs FILE
import { PMTiles } from 'pmtiles';
import { openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';

const fd = openSync(process.argv[2], 'r');
const source = {
  getKey: () => process.argv[2],
  getBytes: async (offset, length) => {
    const b = Buffer.alloc(length);
    const n = readSync(fd, b, 0, length, offset);
    return { data: b.buffer.slice(b.byteOffset, b.byteOffset + n) };
  },
};
const p = new PMTiles(source);
const header = await p.getHeader();
const meta = await p.getMetadata();
const tiles = {};
const lon2x = (lon, z) => Math.floor((lon + 180) / 360 * 2 ** z);
const lat2y = (lat, z) => { const r = lat * Math.PI / 180; return Math.floor((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2 * 2 ** z); };
for (let z = header.minZoom; z <= header.maxZoom; z++) {
  for (let x = lon2x(header.minLon, z); x <= lon2x(header.maxLon, z); x++) {
    for (let y = lat2y(header.maxLat, z); y <= lat2y(header.minLat, z); y++) {
      const t = await p.getZxy(z, x, y);
      if (t) tiles[`${z}/${x}/${y}`] = createHash('sha256').update(Buffer.from(t.data)).digest('hex');
    }
  }
}
console.log(JSON.stringify({ header, meta, tiles }));
