import { SUITES } from '../../bench/index';
const sim = SUITES.find((s) => s.name === 'sim')!;
sim.run({ quick: process.argv.includes('--quick'), print: (l) => console.log(l) }).then(() => {});
