// A stand-in extraction thread for the pool's failure tests: a one-byte request makes it exit mid-work,
// anything else is answered as an unchanged file.
const { parentPort } = require('node:worker_threads');

parentPort.on('message', ({ id, request }) => {
  if (request.bytes.length === 1) process.exit(3);
  parentPort.postMessage({ id, result: { kind: 'unchanged', fileHash: `len-${request.bytes.length}` } });
});
