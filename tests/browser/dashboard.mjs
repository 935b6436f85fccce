// dashboard.mjs - the dashboard in a real browser (issue 7): Debian's chromium driven by
// playwright-core. Logs in, checks the overview's numbers and an agent's page, toggles a
// config and meets the exclusivity refusal, promotes a replica, repeats the login and the form with JavaScript
// off, and fails on any console error (a CSP violation is one). Screenshots go to OUT_DIR.
//
// Environment: SPOT_URL, LOGIN_EMAIL, LOGIN_PASSWORD, AGENT_ID, REPLICA_ID, EXPECT_SAVINGS, EXPECT_SPOT,
// EXPECT_ONLINE, EXPECT_POOL, EXPECT_POINTS, OUT_DIR, PLAYWRIGHT_CORE (the module's path).
import { createRequire } from 'node:module';
import path from 'node:path';

const env = (k) => {
  if (!process.env[k]) throw new Error(`${k} is not set`);
  return process.env[k];
};
const require = createRequire(import.meta.url);
const { chromium } = require(env('PLAYWRIGHT_CORE'));
const base = env('SPOT_URL');
const out = env('OUT_DIR');
let passed = 0, failed = 0;

function check(name, ok, detail) {
  if (ok) { passed++; console.log(`ok ${name}`); }
  else { failed++; console.log(`FAIL ${name}${detail !== undefined ? `: ${detail}` : ''}`); }
}

async function newContext(browser, javaScriptEnabled, viewport) {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, javaScriptEnabled, viewport });
  const page = await ctx.newPage();
  const errors = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // The refused form answers 409 on purpose; Chromium logs any non-2xx document as an error.
    if (/status of 409/.test(m.text()) && /\/config$/.test(m.location().url || '')) return;
    // So does nginx's login rate limit (429), which login() waits out.
    if (/status of 429/.test(m.text()) && /\/login$/.test(m.location().url || '')) return;
    errors.push(`${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return { ctx, page, errors };
}

// The login location has its own nginx rate limit: a 429 waits and tries again.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function login(page, label) {
  for (let attempt = 0; attempt < 30; attempt++) {
    const form = await page.goto(`${base}/login`);
    if (form.status() === 429) { await sleep(3000); continue; }
    check(`${label}: login page title`, (await page.title()) === 'Sign in — Spot Optimizer', await page.title());
    await page.getByLabel('Email address').fill(env('LOGIN_EMAIL'));
    await page.getByLabel('Password').fill(env('LOGIN_PASSWORD'));
    const [resp] = await Promise.all([page.waitForNavigation(),
      page.getByRole('button', { name: 'Sign in' }).click()]);
    if (resp && resp.status() === 429) { await sleep(3000); continue; }
    check(`${label}: signed in`, page.url() === `${base}/`, page.url());
    return;
  }
  throw new Error('the login stayed rate limited');
}

async function overview(page, label) {
  check(`${label}: overview title`, (await page.title()) === 'Overview — Spot Optimizer', await page.title());
  const saved = (await page.locator('#savings-month').textContent()).trim();
  check(`${label}: savings this month`, saved === env('EXPECT_SAVINGS'), saved);
  const spot = (await page.locator('#fleet-spot').textContent()).trim();
  check(`${label}: spot agents`, spot === env('EXPECT_SPOT'), spot);
  const online = (await page.locator('#agents-online').textContent()).trim();
  check(`${label}: agents online`, online === env('EXPECT_ONLINE'), online);
}

async function configForm(page, label) {
  const agent = env('AGENT_ID');
  await page.goto(`${base}/agents/${agent}`);
  const sw = page.getByLabel(/^Auto-switch/);
  const was = await sw.isChecked();
  await sw.setChecked(!was);
  await Promise.all([page.waitForURL(/\?saved=1$/), page.getByRole('button', { name: 'Save settings' }).click()]);
  check(`${label}: config saved`, (await page.getByText('Settings saved.').count()) === 1);
  check(`${label}: auto-switch toggled`, (await page.getByLabel(/^Auto-switch/).isChecked()) === !was);
  return was;
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  // ---- with JavaScript ----
  const js = await newContext(browser, true, { width: 1280, height: 900 });
  let page = js.page;
  await login(page, 'js');
  await overview(page, 'js');
  await page.screenshot({ path: path.join(out, 'overview.png'), fullPage: true });

  await page.getByRole('link', { name: 'Agents', exact: true }).click();
  await page.waitForURL(`${base}/agents`);
  await Promise.all([page.waitForURL(`${base}/agents/${env('AGENT_ID')}`),
    page.locator(`a[href="/agents/${env('AGENT_ID')}"]`).first().click()]);
  const pool = (await page.locator('#agent-pool').textContent()).trim();
  check('js: agent pool', pool === env('EXPECT_POOL'), pool);
  // The current pool's series is drawn first; alternatives with prices add their own lines.
  const points = await page.locator('svg.chart polyline').first().getAttribute('points');
  const n = points ? points.trim().split(/\s+/).length : 0;
  check('js: chart points', String(n) === env('EXPECT_POINTS'), n);
  check('js: chart title', (await page.locator('svg.chart > title').textContent()).startsWith('Spot price of '));
  await page.screenshot({ path: path.join(out, 'agent.png'), fullPage: true });

  // Toggle auto-switch, then ask for manual replica too: refused, naming the toggle.
  const was = await configForm(page, 'js');
  await page.getByLabel(/^Auto-switch/).setChecked(true);
  await page.getByLabel(/^Manual replica/).setChecked(true);
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.waitForLoadState();
  const summary = page.locator('.error-summary');
  check('js: exclusivity refused', (await summary.count()) === 1 &&
    /Turn off auto-switch( and auto-terminate)? first/.test(await summary.textContent()), await summary.textContent().catch(() => ''));
  check('js: typed toggles kept', await page.getByLabel(/^Manual replica/).isChecked());
  await page.screenshot({ path: path.join(out, 'agent-refused.png'), fullPage: true });
  // The summary links to the field.
  await summary.getByRole('link').first().click();
  check('js: summary link focuses the field', await page.evaluate(() => location.hash === '#auto_switch'));

  // Every other page opens without an error; the countdown runs with JavaScript.
  for (const [p, h1] of [['/instances', 'Instances'], ['/notifications', 'Notifications'], ['/switches', 'Switches'],
    ['/savings', 'Savings'], ['/emergencies', 'Emergencies']]) {
    await page.goto(`${base}${p}`);
    check(`js: ${p}`, (await page.locator('h1').textContent()).trim() === h1);
  }
  // Promote the ready replica from the replicas page (a form with its CSRF token, no script needed).
  await page.goto(`${base}/replicas`);
  check('js: /replicas', (await page.locator('h1').textContent()).trim() === 'Replicas');
  const row = page.locator('tr', { has: page.locator(`form[action="/replicas/${env('REPLICA_ID')}/promote"]`) });
  check('js: the ready replica is listed', (await row.count()) === 1);
  await page.screenshot({ path: path.join(out, 'replicas.png'), fullPage: true });
  await Promise.all([page.waitForURL(/\/replicas\?promoted=1$/),
    row.getByRole('button', { name: 'Promote to primary' }).click()]);
  check('js: replica promoted', (await page.getByText('Replica promoted.').count()) === 1);
  check('js: the promoted replica has no button any more',
    (await page.locator(`form[action="/replicas/${env('REPLICA_ID')}/promote"]`).count()) === 0);
  await page.goto(`${base}/emergencies`);
  const countdown = page.locator('time[data-countdown]').first();
  await page.waitForFunction(() => /s left$/.test(document.querySelector('time[data-countdown]').textContent));
  check('js: the countdown runs', /^(\d+ min )?\d+ s left$/.test(await countdown.textContent()), await countdown.textContent());
  await page.screenshot({ path: path.join(out, 'emergencies.png'), fullPage: true });
  await page.goto(`${base}/savings`);
  await page.screenshot({ path: path.join(out, 'savings.png'), fullPage: true });

  const phone = await newContext(browser, true, { width: 390, height: 844 });
  await login(phone.page, 'phone');
  await phone.page.screenshot({ path: path.join(out, 'overview-phone.png'), fullPage: true });
  const wide = await phone.page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  check('phone: no sideways scrolling', !wide);
  check('no console errors (js)', js.errors.length === 0 && phone.errors.length === 0,
    JSON.stringify(js.errors.concat(phone.errors)));
  await phone.ctx.close();
  await js.ctx.close();

  // ---- without JavaScript: the same login and the same form work ----
  const nojs = await newContext(browser, false, { width: 1280, height: 900 });
  page = nojs.page;
  await login(page, 'nojs');
  await overview(page, 'nojs');
  await page.screenshot({ path: path.join(out, 'overview-nojs.png'), fullPage: true });
  await page.goto(`${base}/emergencies`);
  const still = (await page.locator('time[data-countdown]').first().textContent()).trim();
  check('nojs: the deadline reads without the script', /^in \d+ (minute|minutes|second)/.test(still) || still === 'just now', still);
  const now = await configForm(page, 'nojs');
  check('nojs: toggled back', now === !was);
  check('no console errors (nojs)', nojs.errors.length === 0, JSON.stringify(nojs.errors));
  await nojs.ctx.close();
} catch (e) {
  failed++;
  console.log(`FAIL exception: ${e.stack || e}`);
} finally {
  await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
