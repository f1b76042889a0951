// The report's proof of work (app/services/challenges_evidence.py): find a nonce so that
// SHA-256("<unix s>:<salt>:<nonce>") starts with `bits` zero bits. SHA-256 in plain JavaScript:
// crypto.subtle exists only on https and localhost, and is async (slow for 65,000 tiny inputs).

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const W = new Uint32Array(64);
const rotr = (x, n) => (x >>> n) | (x << (32 - n));

/** The first 32 bits of SHA-256 of an ASCII string (all the proof needs to count zero bits). */
export function sha256Head(ascii) {
  const n = ascii.length;
  const blocks = Math.ceil((n + 9) / 64);
  const bytes = new Uint8Array(blocks * 64);
  for (let i = 0; i < n; i += 1) bytes[i] = ascii.charCodeAt(i);
  bytes[n] = 0x80;
  const view = new DataView(bytes.buffer);
  view.setUint32(bytes.length - 4, n * 8);
  let [h0, h1, h2, h3, h4, h5, h6, h7] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f,
    0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  for (let block = 0; block < blocks; block += 1) {
    for (let i = 0; i < 16; i += 1) W[i] = view.getUint32(block * 64 + i * 4);
    for (let i = 16; i < 64; i += 1) {
      const s0 = rotr(W[i - 15], 7) ^ rotr(W[i - 15], 18) ^ (W[i - 15] >>> 3);
      const s1 = rotr(W[i - 2], 17) ^ rotr(W[i - 2], 19) ^ (W[i - 2] >>> 10);
      W[i] = (W[i - 16] + s0 + W[i - 7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, h] = [h0, h1, h2, h3, h4, h5, h6, h7];
    for (let i = 0; i < 64; i += 1) {
      const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + W[i]) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      [h, g, f, e, d, c, b, a] = [g, f, e, (d + t1) >>> 0, c, b, a, (t1 + t2) >>> 0];
    }
    [h0, h1, h2, h3, h4, h5, h6, h7] = [(h0 + a) >>> 0, (h1 + b) >>> 0, (h2 + c) >>> 0, (h3 + d) >>> 0,
      (h4 + e) >>> 0, (h5 + f) >>> 0, (h6 + g) >>> 0, (h7 + h) >>> 0];
  }
  return h0;
}

const randomSalt = () => Array.from(crypto.getRandomValues(new Uint8Array(12)),
  (byte) => byte.toString(16).padStart(2, '0')).join('');

/** A proof for `bits` (≤ 32), worked in slices so the page stays responsive. */
export async function solveProof(bits) {
  const prefix = `${Math.floor(Date.now() / 1000)}:${randomSalt()}:`;
  const limit = bits >= 32 ? 1 : 2 ** (32 - bits); // the head must be below this
  for (let nonce = 0; ; nonce += 1) {
    if (sha256Head(prefix + nonce) < limit) return prefix + nonce;
    if (nonce % 20000 === 19999) await new Promise((resolve) => { setTimeout(resolve, 0); });
  }
}
