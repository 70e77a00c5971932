// ?format=markdown|html|text on an article, its steps and its links: ticket-ready text,
// sanitized self-contained HTML, Markdown without the side-by-side spans.
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { createKey, expectProblem, integrationApp, publish, SEED_ID } from '../helpers/integration-app.ts'

const RESOURCES = ['', '/steps', '/links'] as const
const FORMATS = ['markdown', 'html', 'text'] as const

async function rendered (t: Test, app: FastifyInstance, url: string): Promise<{ format: string, content: string }> {
  const res = await app.inject(url)
  t.equal(res.statusCode, 200, `GET ${url}`, { body: res.body.slice(0, 300) })
  const body = res.json()
  t.type(body.rendered?.content, 'string', `GET ${url} has rendered.content`)
  return body.rendered ?? { format: '', content: '' }
}

/** Tags and attributes that run code or load something from elsewhere; [] for safe HTML. */
function activeContent (html: string): string[] {
  const found: string[] = []
  for (const m of html.matchAll(/<\s*([a-z][a-z0-9-]*)\b([^>]*)>/gi)) {
    const tag = m[1]!.toLowerCase()
    const attrs = m[2] ?? ''
    if (['script', 'iframe', 'object', 'embed', 'link', 'style', 'meta', 'base', 'form', 'frame', 'svg', 'math'].includes(tag)) found.push(`<${tag}> element: ${m[0]}`)
    if (/(^|\s)on[a-z]+\s*=/i.test(attrs)) found.push(`event handler attribute: ${m[0]}`)
    if (/\sstyle\s*=/i.test(attrs)) found.push(`style attribute: ${m[0]}`)
    for (const a of attrs.matchAll(/\s(href|src|srcset|action|formaction|xlink:href|poster|background)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/gi)) {
      const name = a[1]!.toLowerCase()
      const value = (a[3] ?? a[4] ?? a[5] ?? '').replace(/&#x?[0-9a-f]+;|&[a-z]+;/gi, '').trim()
      if (name === 'href') {
        if (value !== '' && !/^(https?:|mailto:|#)/i.test(value)) found.push(`unsafe href: ${m[0]}`)
      } else if (name === 'src' && tag === 'img') {
        if (!/^(https:\/\/|data:image\/)/i.test(value)) found.push(`image not https: or data:image: ${m[0]}`)
      } else {
        found.push(`${name} attribute: ${m[0]}`)
      }
    }
  }
  return found
}

t.test('the seed in markdown, html and text: article, steps and links', async (t) => {
  const { app } = await integrationApp(t)

  t.test('without ?format= there is no rendered member', async (t) => {
    for (const r of RESOURCES) {
      const res = await app.inject(`/v1/articles/${SEED_ID}${r}`)
      t.equal(res.statusCode, 200)
      t.notOk('rendered' in res.json(), `${r || 'article'}: no rendered`)
    }
  })

  t.test('every resource renders in every format, and says which', async (t) => {
    for (const r of RESOURCES) {
      for (const f of FORMATS) {
        for (const locale of ['en-US', 'ja-JP']) {
          const out = await rendered(t, app, `/v1/articles/${SEED_ID}${r}?format=${f}&locale=${locale}`)
          t.equal(out.format, f, `${r || 'article'} ${f} ${locale}: rendered.format`)
          t.ok(out.content.length > 0, `${r || 'article'} ${f} ${locale}: content`)
          // The side-by-side form never leaks into any rendering
          t.notMatch(out.content, /data-ttu-id|data-stu-id|sxs-lookup|<span/, `${r || 'article'} ${f} ${locale}: no side-by-side spans`)
          const html = f === 'html' ? out.content : ''
          t.same(activeContent(html), [], `${r || 'article'} ${f} ${locale}: no active content`)
        }
      }
    }
  })

  t.test('markdown: the title as H1, callouts, and absolute links', async (t) => {
    const article = await rendered(t, app, `/v1/articles/${SEED_ID}?format=markdown&locale=en-US`)
    t.match(article.content, /^# Unable to activate Office\n/, 'starts with the title')
    t.match(article.content, /^> \[!NOTE\]$/m, 'the **Note**: paragraph is a NOTE callout')
    t.match(article.content, /^> \[!TIP\]$/m, 'the **Tip** paragraph is a TIP callout')
    t.match(article.content, '[ensure the user has a license assigned](https://learn.microsoft.com/microsoft-365/admin/manage/assign-licenses-to-users)', 'relative links made absolute')
    t.notMatch(article.content, /\]\(\//, 'no relative link left')

    const steps = await rendered(t, app, `/v1/articles/${SEED_ID}/steps?format=markdown&locale=en-US`)
    t.match(steps.content, /^- Check if your subscription status has expired\.$/m, 'the first check')
    t.match(steps.content, /^Use the following troubleshooting actions:$/m, 'the actions keep their intro')
    t.notMatch(steps.content, /For additional troubleshooting solutions/, 'the related-links list is not a step list')

    const links = await rendered(t, app, `/v1/articles/${SEED_ID}/links?format=markdown&locale=en-US`)
    const lines = links.content.split('\n')
    const json = (await app.inject(`/v1/articles/${SEED_ID}/links?locale=en-US`)).json()
    t.equal(lines.length, json.links.length, 'one line per link')
    for (const [i, l] of json.links.entries()) t.equal(lines[i], `- [${l.text.replace(/[[\]]/g, '\\$&')}](${l.href})`, `link ${i + 1} as a Markdown list item`)
  })

  t.test('html: an article element, real links, steps as list items', async (t) => {
    const article = await rendered(t, app, `/v1/articles/${SEED_ID}?format=html&locale=en-US`)
    t.match(article.content, /^<article><h1>Unable to activate Office<\/h1>/, 'an article with the title')
    t.match(article.content, /<\/article>$/, 'closed')
    t.match(article.content, '<a href="https://learn.microsoft.com/microsoft-365/admin/manage/assign-licenses-to-users">ensure the user has a license assigned</a>', 'absolute links as anchors')
    t.match(article.content, /<aside class="callout callout-note">/, 'the note callout')
    t.match(article.content, /<aside class="callout callout-tip">/, 'the tip callout')

    const steps = await rendered(t, app, `/v1/articles/${SEED_ID}/steps?format=html&locale=ja-JP`)
    t.equal(steps.content.match(/<li>/g)?.length, 9, 'nine steps (5 checks, 4 actions) as list items')
    t.match(steps.content, '<p>トラブルシューティングのための次の操作をお試しください。</p>', 'the actions intro in Japanese')

    const links = await rendered(t, app, `/v1/articles/${SEED_ID}/links?format=html&locale=en-US`)
    t.match(links.content, /^<ul>(<li><a href="https:\/\/[^"]+">[^<]+<\/a><\/li>)+<\/ul>$/, 'a list of absolute anchors')
  })

  t.test('text: numbered steps, links as "text (url)" with absolute urls, callouts marked', async (t) => {
    const steps = await rendered(t, app, `/v1/articles/${SEED_ID}/steps?format=text&locale=en-US`)
    const numbered = steps.content.split('\n').filter((l) => /^\d+\. /.test(l))
    t.same(numbered.map((l) => l.split('.')[0]), ['1', '2', '3', '4', '5', '1', '2', '3', '4'], 'checks 1-5, then actions 1-4')
    t.match(steps.content, /^1\. Check if your subscription status has expired\.$/m, 'a plain numbered step')
    t.match(steps.content, /^2\. Ensure you have a subscription .* ensure the user has a license assigned \(https:\/\/learn\.microsoft\.com\/microsoft-365\/admin\/manage\/assign-licenses-to-users\)\.$/m, 'an inline link as text (absolute url)')
    t.match(steps.content, /^Use the following troubleshooting actions:$/m, 'the intro before the actions')
    t.notMatch(steps.content, /\]\(|<[a-z]|\*\*|\\>/i, 'no Markdown or HTML syntax left')

    const article = await rendered(t, app, `/v1/articles/${SEED_ID}?format=text&locale=ja-JP`)
    t.match(article.content, /^Office をライセンス認証することができない\n\n/, 'the title first')
    t.match(article.content, /^\[NOTE\] 注: 以前のバージョンの Windows/m, 'the note marked [NOTE]')
    t.match(article.content, /^\[TIP\] /m, 'the tip marked [TIP]')
    t.match(article.content, /^1\. サブスクリプションが期限切れの状態であるかどうかを確認します。$/m, 'numbered steps in Japanese')
    t.notMatch(article.content, /\]\(|\*\*|<[a-z]/i, 'no Markdown or HTML syntax left')
    // Every URL in the text is absolute
    for (const m of article.content.matchAll(/\(([a-z][a-z0-9+.-]*:[^\s)]*|\/[^\s)]*)\)/gi)) {
      t.match(m[1], /^https?:\/\/[^/]+/, `absolute url: ${m[1]}`)
    }

    const json = (await app.inject(`/v1/articles/${SEED_ID}/links?locale=ja-JP`)).json()
    const links = await rendered(t, app, `/v1/articles/${SEED_ID}/links?format=text&locale=ja-JP`)
    const lines = links.content.split('\n')
    t.equal(lines.length, json.links.length, 'one line per link')
    for (const [i, l] of json.links.entries()) {
      t.ok(URL.canParse(l.href) && /^https?:$/.test(new URL(l.href).protocol), `link ${i + 1} href is an absolute http(s) url`)
      t.equal(lines[i], `${l.text} (${l.href})`, `link ${i + 1} as "text (url)"`)
      t.match(article.content, `${l.text} (${l.href})`, `link ${i + 1} is written "text (url)" in the article text`)
    }
  })

  t.test('an unknown format is a 400 problem on every resource', async (t) => {
    for (const r of RESOURCES) {
      for (const bad of ['pdf', 'HTML ', 'json', '']) {
        const res = await app.inject(`/v1/articles/${SEED_ID}${r}?format=${encodeURIComponent(bad)}`)
        const body = expectProblem(t, res, 400, 'KB_VALIDATION')
        t.ok(Array.isArray(body.errors) && body.errors.some((e: { path: string }) => e.path.includes('format')), 'the error names format')
      }
    }
    const list = await app.inject('/v1/articles?format=html')
    expectProblem(t, list, 400, 'KB_VALIDATION', 'format is not a list parameter')
  })
})

// Markdown a writer could publish: raw HTML and script URLs in prose and inside steps.
const HOSTILE = `---
title: Hostile markup
ms.contentlocale: en-US
---
# Hostile markup

Intro <script>alert(1)</script> and <img src=x onerror=alert(1)> and [x](javascript:alert(1)) and a <a href="javascript:alert(7)">raw link</a>.

<script src="https://evil.example/x.js"></script>

<link rel="stylesheet" href="https://evil.example/x.css">

Inline images: ![tracker](http://tracker.example/p.png) and ![relative](media/x.png) and ![ok](https://example.com/ok.png).

![block relative](media/block.png)

> [!NOTE]
> A note with <b>bold</b> and <iframe src="https://evil.example"></iframe>.

> [!TIP]
> A tip.

Use the following steps:

1. First step with <a href="javascript:alert(2)">click</a> and <img src=x onerror=alert(3)>
2. Second step with [docs](/microsoft-365/admin) and [y](JaVaScRiPt:alert(4)) and [z](  javascript:alert(8))
   - A sub-step <script>alert(5)</script>
3. Third <a href="https://ok.example" onclick="alert(6)">ok</a> <svg onload=alert(9)>
`

t.test('HTML is sanitized and self-contained, whatever the Markdown holds', async (t) => {
  const { app } = await integrationApp(t)
  const { token } = createKey(app, ['write'])
  const stored = await publish(app, 'hostile-markup', HOSTILE, token)
  t.equal(stored.status, 'created')

  for (const r of RESOURCES) {
    const name = r || 'article'
    const html = (await rendered(t, app, `/v1/articles/hostile-markup${r}?format=html`)).content
    const found = activeContent(html)
    t.test(`${name}: nothing that runs code`, async (t) => {
      t.same(found.filter((f) => !f.startsWith('image')), [], `${name}: no script, iframe, handler or javascript: url`)
      t.notMatch(html, /<script/i, `${name}: no <script`)
      t.notMatch(html, /<link/i, `${name}: no <link>`)
    })
    t.test(`${name}: self-contained: images only https: or data:image`, async (t) => {
      t.same(found.filter((f) => f.startsWith('image')), [], `${name}: no http: or relative image`)
    })
    t.test(`${name}: the text "onerror=" and "javascript:" do not appear at all`, async (t) => {
      // The contract: no `onerror=`, no `javascript:` anywhere in the HTML, not even as escaped text.
      t.notMatch(html, /onerror\s*=/i, `${name}: no onerror=`)
      t.notMatch(html, /javascript:/i, `${name}: no javascript:`)
    })
  }

  t.test('/links marks script URLs unsafe, so an integrator does not render them as links', async (t) => {
    const res = await app.inject('/v1/articles/hostile-markup/links')
    t.equal(res.statusCode, 200)
    const links = (res.json() as { links: Array<{ href: string, kind: string, text: string }> }).links
    const scripted = links.filter((l) => /script:/i.test(l.href))
    t.ok(scripted.length >= 3, `${scripted.length} links with a script URL`)
    t.same(scripted.filter((l) => l.kind !== 'unsafe'), [], 'every one of them is kind unsafe')
    t.same(links.filter((l) => l.kind === 'unsafe' && !/script:/i.test(l.href)), [], 'and nothing else is')
    t.ok(links.some((l) => l.kind === 'docs' && l.text === 'docs'), 'the docs link keeps its kind')
  })

  t.test('the harmless content survives sanitizing', async (t) => {
    const html = (await rendered(t, app, '/v1/articles/hostile-markup?format=html')).content
    t.match(html, '<a href="https://learn.microsoft.com/microsoft-365/admin">docs</a>', 'a docs link, made absolute')
    t.match(html, /<img src="https:\/\/example\.com\/ok\.png"/, 'an https image is kept')
    t.match(html, /callout-note/, 'the note is there')
  })

  t.test('text and markdown carry no raw HTML tags into a ticket', async (t) => {
    const text = (await rendered(t, app, '/v1/articles/hostile-markup/steps?format=text')).content
    t.notMatch(text, /<script|<img|<a /i, 'no tags in text')
    t.match(text, /^1\. First step/m, 'numbered')
    t.match(text, 'docs (https://learn.microsoft.com/microsoft-365/admin)', 'links as text (absolute url)')
    const article = (await rendered(t, app, '/v1/articles/hostile-markup?format=text')).content
    t.match(article, /^\[NOTE\] A note with bold/m, 'the note marked, its <b> dropped')
    t.match(article, /^\[TIP\] A tip\.$/m, 'the tip marked')
  })
})
