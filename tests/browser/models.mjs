// models.mjs - /admin/models and the agent page's decisions in a real browser (issues 7 and 8): Debian's
// chromium driven by playwright-core. An admin reaches Models from the navigation, pastes a broken file
// (the error shows beside the field, the text is kept), uploads a good one, validates, activates and rolls
// it back with the page's buttons; then the agent page shows the decisions with their model and what
// auto-switch would have done. The broken upload is repeated with JavaScript off. Fails on any console
// error but the refusals' own 4xx documents. Screenshots go to OUT_DIR.
//
// Environment: SPOT_URL, LOGIN_EMAIL, LOGIN_PASSWORD (an admin), MODEL_FILE (a good model's JSON),
// MODEL_LABEL ("name version"), AGENT_ID, EXPECT_TARGET, EXPECT_MODEL, OUT_DIR, PLAYWRIGHT_CORE.
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
const label = env('MODEL_LABEL');
let passed = 0, failed = 0;

function check(name, ok, detail) {
  if (ok) { passed++; console.log(`ok ${name}`); }
  else { failed++; console.log(`FAIL ${name}${detail !== undefined ? `: ${detail}` : ''}`); }
}

async function newContext(browser, javaScriptEnabled) {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, javaScriptEnabled, viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // The refused upload answers 400 on purpose; Chromium logs any non-2xx document as an error.
    if (/status of 400/.test(m.text()) && /\/admin\/models$/.test(m.location().url || '')) return;
    if (/status of 429/.test(m.text()) && /\/login$/.test(m.location().url || '')) return;
    errors.push(`${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return { ctx, page, errors };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function login(page, tag) {
  for (let attempt = 0; attempt < 30; attempt++) {
    const form = await page.goto(`${base}/login`);
    if (form.status() === 429) { await sleep(3000); continue; }
    await page.getByLabel('Email address').fill(env('LOGIN_EMAIL'));
    await page.getByLabel('Password').fill(env('LOGIN_PASSWORD'));
    const [resp] = await Promise.all([page.waitForNavigation(),
      page.getByRole('button', { name: 'Sign in' }).click()]);
    if (resp && resp.status() === 429) { await sleep(3000); continue; }
    check(`${tag}: signed in`, page.url() === `${base}/`, page.url());
    return;
  }
  throw new Error('the login stayed rate limited');
}

async function brokenUpload(page, tag) {
  await page.getByLabel('Model file (JSON, as spot-train writes it)').fill('{"name": oops');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Upload model' }).click()]);
  const err = (await page.locator('#model_file-error').textContent() || '').trim();
  check(`${tag}: the error is beside the field`, /not valid JSON/.test(err), err);
  check(`${tag}: the error summary links to the field`,
    (await page.locator('.error-summary a[href="#model_file"]').count()) === 1);
  const kept = await page.locator('#model_file').inputValue();
  check(`${tag}: the typed text is kept`, kept === '{"name": oops', kept);
}

// The status cell of the model row named label.
async function statusOf(page) {
  const row = page.locator('#models tbody tr', { hasText: label });
  return ((await row.locator('td').nth(2).textContent()) || '').trim();
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const js = await newContext(browser, true);
  const page = js.page;
  await login(page, 'js');
  await Promise.all([page.waitForURL(`${base}/admin/models`),
    page.getByRole('link', { name: 'Models', exact: true }).click()]);
  check('js: models page title', (await page.title()).startsWith('Models'), await page.title());
  check('js: rules-v1 is listed', (await page.locator('#models tbody tr', { hasText: 'rules-v1' }).count()) === 1);
  await brokenUpload(page, 'js');

  await page.getByLabel('Model file (JSON, as spot-train writes it)').fill(env('MODEL_FILE'));
  await Promise.all([page.waitForURL(/\/admin\/models\?done=uploaded$/),
    page.getByRole('button', { name: 'Upload model' }).click()]);
  check('js: uploaded', /not validated/.test(await statusOf(page)), await statusOf(page));
  await Promise.all([page.waitForURL(/done=validated$/),
    page.getByRole('button', { name: `Validate ${label}` }).click()]);
  check('js: validated', /validated, ready to activate/.test(await statusOf(page)), await statusOf(page));
  const auc = Number(((await page.locator('#models tbody tr', { hasText: label }).locator('td').nth(3)
    .textContent()) || '').trim());
  check('js: held-out AUC shown', auc >= 0.6, auc);
  await Promise.all([page.waitForURL(/done=activated$/),
    page.getByRole('button', { name: `Activate ${label}` }).click()]);
  check('js: active', (await statusOf(page)) === 'active', await statusOf(page));
  check('js: the active model is listed first',
    ((await page.locator('#models tbody tr').first().textContent()) || '').includes(label));
  await page.screenshot({ path: path.join(out, 'models.png'), fullPage: true });
  await Promise.all([page.waitForURL(/done=rolled_back$/),
    page.getByRole('button', { name: 'Roll back to the previous model' }).click()]);
  check('js: rolled back', (await statusOf(page)) === 'retired', await statusOf(page));
  await Promise.all([page.waitForURL(/\/admin\/models\/[0-9a-f-]{36}$/),
    page.getByRole('link', { name: label, exact: true }).click()]);
  check('js: model page', ((await page.locator('h1').textContent()) || '').trim() === `Model ${label}`);
  const history = ((await page.locator('#model-events').textContent()) || '');
  check('js: its history', ['model.uploaded', 'model.validated', 'model.activated', 'model.rolled_back']
    .every((a) => history.includes(a)), history.replace(/\s+/g, ' '));
  await page.screenshot({ path: path.join(out, 'model.png'), fullPage: true });

  await page.goto(`${base}/agents/${env('AGENT_ID')}`);
  const would = ((await page.locator('#decisions-would').textContent()) || '').replace(/\s+/g, ' ');
  check('js: what auto-switch would do', would.includes(`Auto-switch would now move it to ${env('EXPECT_TARGET')}`), would);
  const model = ((await page.locator('#agent-decisions tbody tr').first().locator('td').nth(1).textContent()) || '').trim();
  check('js: the decision names its model', model === env('EXPECT_MODEL'), model);
  await page.screenshot({ path: path.join(out, 'agent-decisions.png'), fullPage: true });
  check('js: no console errors', js.errors.length === 0, js.errors.join(' | '));
  await js.ctx.close();

  const nojs = await newContext(browser, false);
  await login(nojs.page, 'nojs');
  await nojs.page.goto(`${base}/admin/models`);
  await brokenUpload(nojs.page, 'nojs');
  check('nojs: no console errors', nojs.errors.length === 0, nojs.errors.join(' | '));
  await nojs.ctx.close();
} finally {
  await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
