// The vendor's Express listener pattern, made to do the job huskyhook
// does so that the benchmark compares like with like: HMAC-SHA256 over
// the raw body, the event stored under its event_id exclusively (link of
// an fsync'd temporary file, then fsync of the directory), 200, all with
// Node's asynchronous file API. Environment: HH_SECRET_FILE, HH_SPOOL,
// PORT.
const crypto = require('crypto');
const fs = require('fs');
const fsp = fs.promises;
const express = require('express');

const SECRET = fs.readFileSync(process.env.HH_SECRET_FILE).toString().replace(/\n$/, '');
const SPOOL = process.env.HH_SPOOL;
const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
let counter = 0;

const app = express();
app.use(express.raw({ type: '*/*', limit: '1mb' }));

app.post('/huskyhook', async (req, res) => {
  const body = req.body;
  const expected = crypto.createHmac('sha256', SECRET).update(body).digest('hex');
  const got = String(req.get('X-Husky-Signature') || '').toLowerCase();
  if (got.length !== expected.length ||
      !crypto.timingSafeEqual(Buffer.from(got), Buffer.from(expected))) {
    return res.status(401).json({ error: 'bad signature' });
  }
  let id;
  try {
    id = JSON.parse(body).event_id;
  } catch (e) {
    return res.status(400).json({ error: 'bad event' });
  }
  if (typeof id !== 'string' || !ID.test(id)) {
    return res.status(400).json({ error: 'bad event_id' });
  }
  const tmp = `${SPOOL}/tmp/${process.pid}.${counter++}`;
  const fh = await fsp.open(tmp, 'wx', 0o600);
  await fh.write(body);
  await fh.sync();
  await fh.close();
  let status = 'accepted';
  try {
    await fsp.link(tmp, `${SPOOL}/events/${id}.json`);
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
    status = 'duplicate';
  }
  await fsp.unlink(tmp);
  const dir = await fsp.open(`${SPOOL}/events`, 'r');
  await dir.sync();
  await dir.close();
  res.status(200).json({ status, event_id: id });
});

app.listen(Number(process.env.PORT || 3000), '127.0.0.1');
