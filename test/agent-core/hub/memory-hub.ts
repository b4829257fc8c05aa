// A db hub on an in-memory datastore holding one message (`message:one`, text "hi"), for tests that talk to the
// hub as a client. `USER` signs in with the password given.
import { Secret } from '../../../agent-core/config/secret.ts';
import { openDatastore } from '../../../agent-core/db/datastore.ts';
import type { Datastore } from '../../../agent-core/db/datastore-types.ts';
import { type Hub, startHub } from '../../../agent-core/hub/server.ts';
import { silentLogger } from '../../../agent-core/log/logger.ts';

export const USER = 'mono_desktop';

export async function startMemoryHub(password: string): Promise<{ ds: Datastore; hub: Hub }> {
  const ds = await openDatastore({ url: 'mem://', log: silentLogger });
  await ds.db.query('DEFINE TABLE message SCHEMALESS; CREATE message:one SET text = "hi"').collect();
  const hub = await startHub(ds, {
    listen: { host: '127.0.0.1', port: 0 },
    credentials: { username: USER, password: new Secret(password) },
    log: silentLogger,
  });
  await hub.ready;
  return { ds, hub };
}
