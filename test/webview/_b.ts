import { simulatedSaxpy } from './fixtures';
(async () => { const t = Date.now(); const r = await simulatedSaxpy(); console.log(Date.now() - t, 'data' in r ? r.data.events.length : r.reason); })();
