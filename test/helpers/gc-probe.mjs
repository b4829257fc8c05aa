// Loaded into a built agent under test (NODE_OPTIONS=--import=…): on SIGUSR2 it runs a full garbage collection
// and writes the process's memory to stderr as one `GCPROBE {json}` line, so a test can tell memory the
// JavaScript heap still holds from memory V8 simply has not collected yet.
import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
process.on('SIGUSR2', () => {
  gc();
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  // What of the heap is resident: V8 commits its young generation ahead of use, so heapTotal can exceed it.
  const heapResident = v8.getHeapStatistics().total_physical_size;
  process.stderr.write(`GCPROBE ${JSON.stringify({ rss, heapUsed, heapTotal, heapResident, external })}\n`);
});
