// Proves that the playground works on a machine without internet access: loads /graphiql in
// headless Chromium with every request that leaves this server blocked (and host names
// unresolvable), logs in through the query editor, checks that the schema then loads, runs a
// query, and saves a screenshot. Prints one JSON line with what it saw; exits non-zero on any
// failure.
//
//   node tests/graphiql/offline.mjs <base url> <email> <password> <screenshot.png>
import { chromium } from 'playwright-core';

const [base, email, password, screenshot] = process.argv.slice(2);
const origin = new URL(base).origin;
const seen = { outside: [], policyViolations: [], pageErrors: [], schemaLoaded: false };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  ],
});

function fail(message) {
  console.log(JSON.stringify({ ok: false, message, ...seen }));
  process.exitCode = 1;
}

const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
try {
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:')) {
      return route.continue();
    }
    seen.outside.push(url);
    return route.abort();
  });
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) {
      seen.policyViolations.push(message.text());
    }
  });
  page.on('pageerror', (error) => seen.pageErrors.push(String(error)));
  page.on('response', async (response) => {
    const body = response.request().postData() ?? '';
    if (response.url() === `${origin}/graphql` && body.includes('__schema')) {
      try {
        const json = await response.json();
        if (json?.data?.__schema?.types?.length > 0) {
          seen.schemaLoaded = true;
        }
      } catch {
        // Not JSON: the schema did not load.
      }
    }
  });

  await page.goto(`${origin}/graphiql`);
  await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 30000 });

  const run = async (query) => {
    await page.evaluate((text) => {
      document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(text);
    }, query);
    // GraphiQL reads the operation (and its name) from the editor after a change.
    await page.waitForTimeout(300);
    await page.click('.graphiql-execute-button');
  };
  const result = async (needle) => {
    await page.waitForFunction(
      (text) => {
        const editor = document.querySelector('.graphiql-response .CodeMirror');
        return editor && editor.CodeMirror.getValue().includes(text);
      },
      needle,
      { timeout: 30000 },
    );
    return page.evaluate(() =>
      document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue(),
    );
  };

  await run(
    `mutation Login { login(email: ${JSON.stringify(email)}, password: ${JSON.stringify(password)}) {` +
      ' accessToken user { email role } } }',
  );
  await result('accessToken');
  for (let waited = 0; !seen.schemaLoaded && waited < 30000; waited += 100) {
    await page.waitForTimeout(100);
  }
  await run('query Me { me { email role fullName } }');
  const answer = JSON.parse(await result(email));
  // The documentation explorer shows the schema that loaded after the login.
  await page.click('[aria-label="Show Documentation Explorer"]').catch(() => {});
  await page.waitForTimeout(500);
  await page.screenshot({ path: screenshot });

  if (answer?.data?.me?.email !== email) {
    fail(`the query answered ${JSON.stringify(answer)}`);
  } else if (!seen.schemaLoaded) {
    fail('the schema never loaded after the login');
  } else if (seen.outside.length > 0) {
    fail('the page tried to reach other hosts');
  } else if (seen.policyViolations.length > 0 || seen.pageErrors.length > 0) {
    fail('the page reported errors');
  } else {
    console.log(JSON.stringify({ ok: true, me: answer.data.me, ...seen }));
  }
} catch (error) {
  await page.screenshot({ path: screenshot }).catch(() => {});
  const response = await page
    .evaluate(() => document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue())
    .catch(() => null);
  fail(`${error} (the result pane shows ${JSON.stringify(response)})`);
} finally {
  await browser.close();
}
