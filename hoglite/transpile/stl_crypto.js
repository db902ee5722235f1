// Hashes and HMAC chains for transpiled Hog (hoglite/stl/crypto.py), in plain JavaScript so the output
// runs the same in node and in browsers (WebCrypto is asynchronous, Hog's hashes are not). They work on
// the UTF-8 bytes of strings; `encoding` picks hex (default), base64, base64url or binary.

//# __hash: __base64
function __md5(bytes) {
  const s = [7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
    5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15,
    21, 6, 10, 15, 21];
  const k = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 4294967296) >>> 0);
  const data = __padMessage(bytes, true);
  let a0 = 0x67452301;
  let b0 = 0xefcdab89;
  let c0 = 0x98badcfe;
  let d0 = 0x10325476;
  for (let offset = 0; offset < data.length; offset += 64) {
    const m = [];
    for (let i = 0; i < 16; i++) {
      const j = offset + i * 4;
      m.push((data[j] | (data[j + 1] << 8) | (data[j + 2] << 16) | (data[j + 3] << 24)) >>> 0);
    }
    let a = a0;
    let b = b0;
    let c = c0;
    let d = d0;
    for (let i = 0; i < 64; i++) {
      let f;
      let g;
      if (i < 16) { f = (b & c) | (~b & d); g = i; }
      else if (i < 32) { f = (d & b) | (~d & c); g = (5 * i + 1) % 16; }
      else if (i < 48) { f = b ^ c ^ d; g = (3 * i + 5) % 16; }
      else { f = c ^ (b | ~d); g = (7 * i) % 16; }
      const sum = (a + f + k[i] + m[g]) >>> 0;
      a = d;
      d = c;
      c = b;
      b = (b + ((sum << s[i]) | (sum >>> (32 - s[i])))) >>> 0;
    }
    a0 = (a0 + a) >>> 0;
    b0 = (b0 + b) >>> 0;
    c0 = (c0 + c) >>> 0;
    d0 = (d0 + d) >>> 0;
  }
  const out = [];
  for (const word of [a0, b0, c0, d0]) out.push(word & 255, (word >>> 8) & 255, (word >>> 16) & 255, word >>> 24);
  return out;
}

function __padMessage(bytes, littleEndian) {
  const data = [...bytes, 0x80];
  while (data.length % 64 !== 56) data.push(0);
  const bits = bytes.length * 8;
  const lengthBytes = [];
  for (let i = 0; i < 8; i++) lengthBytes.push(Math.floor(bits / 2 ** (8 * i)) & 255);
  data.push(...(littleEndian ? lengthBytes : lengthBytes.reverse()));
  return data;
}

function __bigEndianWords(data, offset, count) {
  const w = [];
  for (let i = 0; i < count; i++) {
    const j = offset + i * 4;
    w.push(((data[j] << 24) | (data[j + 1] << 16) | (data[j + 2] << 8) | data[j + 3]) >>> 0);
  }
  return w;
}

function __wordsToBytes(words) {
  const out = [];
  for (const word of words) out.push(word >>> 24, (word >>> 16) & 255, (word >>> 8) & 255, word & 255);
  return out;
}

function __sha1(bytes) {
  const data = __padMessage(bytes, false);
  const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
  for (let offset = 0; offset < data.length; offset += 64) {
    const w = __bigEndianWords(data, offset, 16);
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16];
      w.push(((x << 1) | (x >>> 31)) >>> 0);
    }
    let [a, b, c, d, e] = h;
    for (let i = 0; i < 80; i++) {
      let f;
      let k;
      if (i < 20) { f = (b & c) | (~b & d); k = 0x5a827999; }
      else if (i < 40) { f = b ^ c ^ d; k = 0x6ed9eba1; }
      else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8f1bbcdc; }
      else { f = b ^ c ^ d; k = 0xca62c1d6; }
      const temp = (((a << 5) | (a >>> 27)) + f + e + k + w[i]) >>> 0;
      e = d;
      d = c;
      c = ((b << 30) | (b >>> 2)) >>> 0;
      b = a;
      a = temp;
    }
    h[0] = (h[0] + a) >>> 0;
    h[1] = (h[1] + b) >>> 0;
    h[2] = (h[2] + c) >>> 0;
    h[3] = (h[3] + d) >>> 0;
    h[4] = (h[4] + e) >>> 0;
  }
  return __wordsToBytes(h);
}

const __SHA256_K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
];

function __sha256(bytes) {
  const data = __padMessage(bytes, false);
  const h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  const rotr = (x, n) => (x >>> n) | (x << (32 - n));
  for (let offset = 0; offset < data.length; offset += 64) {
    const w = __bigEndianWords(data, offset, 16);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w.push((w[i - 16] + s0 + w[i - 7] + s1) >>> 0);
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + s1 + ch + __SHA256_K[i] + w[i]) >>> 0;
      const s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (s0 + maj) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    [a, b, c, d, e, f, g, hh].forEach((v, i) => { h[i] = (h[i] + v) >>> 0; });
  }
  return __wordsToBytes(h);
}

const __HASHES = { md5: __md5, sha1: __sha1, sha256: __sha256 };

function __hmac(algorithm, key, message) {
  const hash = __HASHES[algorithm];
  if (key.length > 64) key = hash(key);
  const block = [...key, ...Array(64 - key.length).fill(0)];
  const inner = hash([...block.map((b) => b ^ 0x36), ...message]);
  return hash([...block.map((b) => b ^ 0x5c), ...inner]);
}

function __encodeDigest(digest, encoding) {
  if (encoding === null || encoding === 'hex') return digest.map((b) => b.toString(16).padStart(2, '0')).join('');
  if (encoding === 'base64') return __base64FromBytes(digest);
  if (encoding === 'base64url') return __base64FromBytes(digest).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  if (encoding === 'binary' || encoding === 'latin1') return String.fromCharCode(...digest);
  throw new __HogRuntimeError(`Unknown encoding: ${__pyStr(encoding)}. Use 'hex', 'base64', 'base64url' or 'binary'`);
}

function __hashText(fn, algorithm, data, encoding) {
  if (data === null) return null;
  return __encodeDigest(__HASHES[algorithm](__utf8Encode(__expectString(fn, data))), encoding);
}

function __hmacChain(fn, algorithm, data, encoding) {
  if (typeof data === 'string') data = data.split(''); // the oracle indexes its argument
  if (!Array.isArray(data)) throw new __HogRuntimeError(`${fn}() expects an array of strings`);
  if (data.length < 2) throw new __HogRuntimeError('Data array must contain at least two elements.');
  const items = data.map((item) => __utf8Encode(__expectString(fn, item, 'an array of strings')));
  let digest = __hmac(algorithm, items[0], items[1]);
  for (const item of items.slice(2)) digest = __hmac(algorithm, digest, item);
  return __encodeDigest(digest, encoding);
}

//# stl:md5: __hash
function __stl_md5(rt, data, encoding) { return __hashText('md5', 'md5', data, encoding); }

//# stl:md5Hex: __hash
function __stl_md5Hex(rt, data) { return __hashText('md5Hex', 'md5', data, null); }

//# stl:sha1: __hash
function __stl_sha1(rt, data, encoding) { return __hashText('sha1', 'sha1', data, encoding); }

//# stl:sha1Hex: __hash
function __stl_sha1Hex(rt, data) { return __hashText('sha1Hex', 'sha1', data, null); }

//# stl:sha256: __hash
function __stl_sha256(rt, data, encoding) { return __hashText('sha256', 'sha256', data, encoding); }

//# stl:sha256Hex: __hash
function __stl_sha256Hex(rt, data) { return __hashText('sha256Hex', 'sha256', data, null); }

//# stl:sha1HmacChain: __hash
function __stl_sha1HmacChain(rt, data, encoding) { return __hmacChain('sha1HmacChain', 'sha1', data, encoding); }

//# stl:sha1HmacChainHex: __hash
function __stl_sha1HmacChainHex(rt, data) { return __hmacChain('sha1HmacChainHex', 'sha1', data, 'hex'); }

//# stl:sha256HmacChain: __hash
function __stl_sha256HmacChain(rt, data, encoding) { return __hmacChain('sha256HmacChain', 'sha256', data, encoding); }

//# stl:sha256HmacChainHex: __hash
function __stl_sha256HmacChainHex(rt, data) { return __hmacChain('sha256HmacChainHex', 'sha256', data, 'hex'); }
