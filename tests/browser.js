// A real headless Chromium, driven over the DevTools protocol on a pipe
// (--remote-debugging-pipe: JSON messages ending in NUL on fds 3 and 4),
// with no package beyond Node itself. Reads steps, one a line, on stdin;
// prints one line per step's result on stdout:
//
//   auth USER:PASSWORD   send basic authentication on every request
//   open URL             load URL, wait for its load event
//   click SELECTOR       click the element (a form's button), wait for
//                        the page it leads to
//   html                 the document as the browser built it, one line
//                        (its newlines as \n)
//   text SELECTOR        the element's text as shown, one line
//   count SELECTOR       how many elements match
//   title                document.title
//   status               the HTTP status of the last page loaded
//
// Usage: node browser.js CHROMIUM < steps
'use strict';
const { spawn } = require('child_process');
const readline = require('readline');

const chrome = spawn(process.argv[2], [
	'--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
	'--no-default-browser-check', '--disable-extensions',
	'--disable-background-networking', '--remote-debugging-pipe',
	'--user-data-dir=' + (process.env.BROWSER_PROFILE || '/tmp/hh-browser'),
	'--host-resolver-rules=' + (process.env.BROWSER_HOST_RULES || ''),
	'about:blank',
], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
const toChrome = chrome.stdio[3], fromChrome = chrome.stdio[4];

let nextId = 1, buf = '', sessionId = null, lastStatus = 0;
const waiting = new Map(), listeners = [];

fromChrome.on('data', (chunk) => {
	buf += chunk.toString('utf8');
	let end;
	while ((end = buf.indexOf('\0')) >= 0) {
		const msg = JSON.parse(buf.slice(0, end));
		buf = buf.slice(end + 1);
		if (msg.id !== undefined && waiting.has(msg.id)) {
			const w = waiting.get(msg.id);
			waiting.delete(msg.id);
			if (msg.error) w.reject(new Error(JSON.stringify(msg.error)));
			else w.resolve(msg.result);
		} else if (msg.method) {
			if (msg.method === 'Network.responseReceived' &&
			    msg.params.type === 'Document')
				lastStatus = msg.params.response.status;
			for (const l of listeners.slice()) l(msg);
		}
	}
});

function send(method, params, session) {
	const id = nextId++;
	const msg = { id, method, params: params || {} };
	if (session) msg.sessionId = session;
	toChrome.write(JSON.stringify(msg) + '\0');
	return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
}

function once(method, timeoutMs) {
	return new Promise((resolve, reject) => {
		const t = setTimeout(() => reject(new Error('timeout: ' + method)),
		    timeoutMs);
		const l = (msg) => {
			if (msg.method === method && msg.sessionId === sessionId) {
				clearTimeout(t);
				listeners.splice(listeners.indexOf(l), 1);
				resolve(msg.params);
			}
		};
		listeners.push(l);
	});
}

const page = (method, params) => send(method, params, sessionId);

async function evaluate(expr) {
	const r = await page('Runtime.evaluate', { expression: expr,
	    returnByValue: true });
	if (r.exceptionDetails) throw new Error(r.exceptionDetails.text);
	return r.result.value;
}

async function step(line) {
	const sp = line.indexOf(' ');
	const cmd = sp < 0 ? line : line.slice(0, sp);
	const arg = sp < 0 ? '' : line.slice(sp + 1);
	switch (cmd) {
	case 'auth':
		await page('Network.setExtraHTTPHeaders', { headers: {
		    Authorization: 'Basic ' + Buffer.from(arg).toString('base64') } });
		return 'ok';
	case 'open': {
		const loaded = once('Page.loadEventFired', 15000);
		await page('Page.navigate', { url: arg });
		await loaded;
		return 'ok';
	}
	case 'click': {
		const loaded = once('Page.loadEventFired', 15000);
		const found = await evaluate('(() => { const e = document.' +
		    'querySelector(' + JSON.stringify(arg) + '); if (!e) return ' +
		    'false; e.click(); return true; })()');
		if (!found) return 'no such element';
		await loaded;
		return 'ok';
	}
	case 'html':
		return (await evaluate('document.documentElement.outerHTML'))
		    .replace(/\n/g, '\\n');
	case 'text':
		return String(await evaluate('(() => { const e = document.' +
		    'querySelector(' + JSON.stringify(arg) + '); return e ? ' +
		    'e.innerText : ""; })()')).replace(/\n/g, '\\n');
	case 'count':
		return String(await evaluate('document.querySelectorAll(' +
		    JSON.stringify(arg) + ').length'));
	case 'title':
		return String(await evaluate('document.title'));
	case 'status':
		return String(lastStatus);
	default:
		return 'unknown step';
	}
}

async function main() {
	const { targetId } = await send('Target.createTarget',
	    { url: 'about:blank' });
	({ sessionId } = await send('Target.attachToTarget',
	    { targetId, flatten: true }));
	await page('Page.enable');
	await page('Network.enable');
	const rl = readline.createInterface({ input: process.stdin });
	for await (const line of rl) {
		if (line === '') continue;
		let out;
		try {
			out = await step(line);
		} catch (e) {
			out = 'error: ' + e.message;
		}
		process.stdout.write(out + '\n');
	}
	await send('Browser.close').catch(() => {});
	chrome.kill();
}

const guard = setTimeout(() => {
	process.stdout.write('error: the browser took too long\n');
	chrome.kill('SIGKILL');
	process.exit(1);
}, 120000);
main().then(() => { clearTimeout(guard); }, (e) => {
	process.stdout.write('error: ' + e.message + '\n');
	chrome.kill('SIGKILL');
	process.exit(1);
});
