// The seed article parsed end to end, then the parser's edge cases on small hand-written files:
// front matter variants, span forms, links, and broken files.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { parseArticle, ParseError, type ParseOptions } from '../../src/ingest/parse-article.ts'
import { resolveLink } from '../../src/ingest/links.ts'
import type { Block, CalloutBlock, ListBlock, ParsedArticle } from '../../src/ingest/model.ts'
import { seedFile, translationIn } from '../helpers/corpus.ts'

function parse (text: string, options: Partial<ParseOptions> = {}): ParsedArticle {
  const result = parseArticle(text, { path: 'x.md', ...options })
  if (result.kind !== 'article') throw new Error(`skipped: ${result.reason}`)
  return result.article
}

/** Every block of a tree, depth first. */
function allBlocks (blocks: Block[], out: Block[] = []): Block[] {
  for (const b of blocks) {
    out.push(b)
    if (b.type === 'callout') allBlocks(b.blocks, out)
    if (b.type === 'list') for (const item of b.items) allBlocks(item.blocks, out)
  }
  return out
}
const calloutsOf = (blocks: Block[]): CalloutBlock[] => allBlocks(blocks).filter((b): b is CalloutBlock => b.type === 'callout')
const listsOf = (blocks: Block[]): ListBlock[] => allBlocks(blocks).filter((b): b is ListBlock => b.type === 'list')
const textOf = (b: Block): string => allBlocks([b]).flatMap((x) => 'text' in x ? [x.text] : []).join(' ')

/** A side-by-side span pair, as the localized files write every sentence. */
const pair = (id: string, localized: string, english: string): string =>
  `<span data-ttu-id="${id}">${localized}</span><span class="sxs-lookup"><span data-stu-id="${id}">${english}</span></span>`
/** A small ja-JP side-by-side file: front matter (lines 1-4), the H1 on line 5, the body from line 7. */
const sideBySide = (body: string): string =>
  `---\ntitle: テスト\nms.contentlocale: ja-JP\n---\n# <a name="test"></a>${pair('t-100', 'テスト', 'Test')}\n\n${body}\n`

t.test('the seed', async (t) => {
  const article = parse(readFileSync(seedFile, 'utf8'), { path: 'ja-JP/fixing-office-apps-message-unlicensed-product.md' })
  t.equal(article.id, 'fixing-office-apps-message-unlicensed-product')
  t.equal(article.slug, 'unable-to-activate-office')
  t.same(article.scenarioIds, ['2000023', '3509'])
  t.equal(article.form, 'side-by-side')
  t.equal(article.locale, 'ja-JP')
  t.same(article.translations.map((tr) => tr.locale), ['ja-JP', 'en-US'])
  t.match(article.meta, { audience: 'Admin', service: 'o365-administration', collection: 'Adm_O365', priority: 'Priority' })

  const ja = translationIn(article, 'ja-JP')
  const en = translationIn(article, 'en-US')
  t.equal(ja.title, 'Office をライセンス認証することができない')
  t.equal(en.title, 'Unable to activate Office')

  t.match(ja, { translationType: 'human', derived: true, handoffDate: '2021-06-07', sourceHash: '81941d84127a096c3bd588dafc61b492ab6d6458' }, 'ja-JP translation info')
  t.match(en, { translationType: 'source', derived: true, sourceHash: '81941d84127a096c3bd588dafc61b492ab6d6458' }, 'en-US translation info')

  for (const [tr, intro] of [[ja, 'トラブルシューティングのための次の操作をお試しください。'], [en, 'Use the following troubleshooting actions:']] as const) {
    t.test(tr.locale, async (t) => {
      const callouts = calloutsOf(tr.blocks)
      const notes = callouts.filter((c) => c.kind === 'note')
      t.equal(notes.length, 1, 'one note')
      t.match(textOf(notes[0]!), /TLS 1\.2/, 'the note is the TLS note')
      t.equal(tr.blocks[0]?.type, 'callout', 'the TLS note comes first')
      t.equal(callouts.filter((c) => c.kind === 'tip').length, 1, 'one tip')
      t.match(textOf(callouts.find((c) => c.kind === 'tip')!), /Microsoft/, 'the tip is about the Support and Recovery Assistant')

      t.equal(tr.steps.length, 9, '9 steps')
      const groups = [...new Set(tr.steps.map((s) => s.groupId))]
      t.equal(groups.length, 2, 'two step groups')
      const [checks, actions] = groups.map((g) => tr.steps.filter((s) => s.groupId === g))
      t.equal(checks!.length, 5, '5 checks')
      t.equal(actions!.length, 4, 'then 4 troubleshooting actions')
      t.ok(checks!.every((s) => s.intro === null), 'the checks have no intro')
      t.ok(actions!.every((s) => s.intro?.text === intro), 'the actions are introduced by the intro paragraph')
      t.same(tr.steps.map((s) => s.position), [1, 2, 3, 4, 5, 6, 7, 8, 9], 'positions in document order')
      t.ok(tr.steps.every((s) => s.depth === 0 && s.parentId === null && s.text !== ''), 'top-level steps with text')

      const related = listsOf(tr.blocks).filter((l) => l.related)
      t.equal(related.length, 1, 'one related-links list')
      t.equal(related[0]?.items.length, 2)
      const relatedLinks = tr.links.filter((l) => l.context === 'related')
      t.equal(relatedLinks.length, 2, '2 related links')
      t.ok(relatedLinks.every((l) => l.stepId === null), 'related links belong to no step')

      t.equal(tr.links.length, 14)
      for (const link of tr.links) {
        const url = new URL(link.href)
        t.equal(url.protocol, 'https:', `${link.href} is absolute https`)
        t.not(link.text, '', `${link.href} has text`)
      }
      const kindOf = (prefix: string) => tr.links.find((l) => l.href.startsWith(prefix))?.kind
      t.equal(kindOf('https://aka.ms/'), 'short')
      t.equal(kindOf('https://support.office.com/'), 'support')
      t.equal(kindOf('https://support.microsoft.com/'), 'support')
      t.equal(kindOf('https://learn.microsoft.com/microsoft-365/admin/manage/assign-licenses-to-users'), 'docs', '/microsoft-365/... resolved against learn.microsoft.com')
      t.ok(tr.links.some((l) => l.stepId === 's5.1' && l.context === 'step'), 'links in a step name the step')
      t.ok(tr.links.some((l) => l.title !== null), 'a link title is kept')
    })
  }

  t.same(ja.steps.map((s) => s.id), en.steps.map((s) => s.id), 'step ids are the same in both locales')
  t.same(ja.links.map((l) => l.href), en.links.map((l) => l.href), 'both locales link to the same targets')
  t.equal(ja.links.find((l) => l.title !== null)?.title, 'Office 365 URL および IP アドレス範囲', 'link titles are localized')

  const ids = Array.from({ length: 20 }, (_, i) => `c8bfe-${102 + i}`)
  t.same(ja.segments.map((s) => s.id), ids, '20 segments, c8bfe-102..c8bfe-121')
  t.same(ja.segments[0], { id: 'c8bfe-102', localized: 'Office をライセンス認証することができない', source: 'Unable to activate Office' })
  t.ok(ja.segments.every((s) => s.source !== '' && s.localized !== '' && !s.source.includes('<span')), 'segments hold both texts, no markup')
})

t.test('front matter variants', async (t) => {
  const withFrontMatter = (lines: string): ParsedArticle =>
    parse(`---\n${lines}\nms.contentlocale: en-US\n---\n# <a name="a"></a>A title\n\nBody.\n`)
  t.same(withFrontMatter('ms.custom:\n- "2000023"\n- 3509').scenarioIds, ['2000023', '3509'], 'a list')
  t.same(withFrontMatter('ms.custom: 8000079').scenarioIds, ['8000079'], 'a bare number')
  t.same(withFrontMatter('ms.custom: "9000701, 9000702,9000703"').scenarioIds, ['9000701', '9000702', '9000703'], 'a comma string')
  t.same(withFrontMatter('ms.custom: 123, 456').scenarioIds, ['123', '456'], 'an unquoted comma string')
  t.same(withFrontMatter('ms.custom: 0d566afe-b21f-4f1b-8ca9-4b4d3b0f5435').scenarioIds, ['0d566afe-b21f-4f1b-8ca9-4b4d3b0f5435'], 'a GUID')
  t.same(withFrontMatter("ms.custom: ''").scenarioIds, [], "''")
  t.same(withFrontMatter('ms.custom:').scenarioIds, [], 'empty')
  t.same(withFrontMatter('title: no scenario').scenarioIds, [], 'missing')
  t.same(withFrontMatter('ms.custom:\n- "1"\n- "1"').scenarioIds, ['1'], 'duplicates once')
  t.same(withFrontMatter('ms.custom: 0123').scenarioIds, ['0123'], 'a number keeps its leading zero (every scalar a string)')
  t.same(withFrontMatter('ms.custom: 1\nms.custom: 2').scenarioIds, ['2'], 'a repeated key: the last value')
  t.same(withFrontMatter('ms.custom: [7, "8"]').scenarioIds, ['7', '8'], 'a flow list')
  t.same(withFrontMatter('x: &ids 9\nms.custom:\n- *ids\n- *ids').scenarioIds, ['9'], 'aliases')
  t.equal(withFrontMatter('ms.date: 2021-04-30').meta.date, '2021-04-30', 'an ISO date stays as written, no Date')
  t.equal(withFrontMatter('ms.audience: \nms.topic: article').meta.audience, null, 'an empty value is absent')

  t.equal(withFrontMatter('audience: ITPro').meta.audience, 'ITPro', '`audience:` instead of `ms.audience:`')
  t.equal(withFrontMatter('ms.audience: Admin').meta.audience, 'Admin')
  t.equal(withFrontMatter('ms.date: 04/30/2021').meta.date, '2021-04-30', 'US dates become ISO')

  // With no H1, the front matter title is the title.
  const noH1 = (title: string) => parse(`---\n${title}\nms.contentlocale: en-US\n---\nBody.\n`).translations[0]!.title
  t.equal(noH1('title: Microsoft 365 apps error: App has run into an error'), 'Microsoft 365 apps error: App has run into an error', 'an unquoted title with a colon')
  t.equal(noH1("title: 'Aktivierungsproblem : Wir können'"), 'Aktivierungsproblem : Wir können', 'a quoted title with a colon')

  const mt = parse('---\nms.contentlocale: de-de\nms.translationtype: MT\nms.lasthandoff: 06/07/2021\nms.openlocfilehash: abc\n---\n# T\n')
  t.match(mt, { locale: 'de-DE', form: 'plain' }, 'the locale tag is canonicalized')
  t.match(mt.translations[0], { locale: 'de-DE', translationType: 'machine', handoffDate: '2021-06-07', sourceHash: 'abc', derived: false })
  t.equal(parse('---\ntitle: x\n---\n# T\n', { path: 'en-US/x.md' }).translations[0]!.translationType, 'source', 'en-US with no type is the source')
  t.equal(parse('# T\n', { path: 'x.md', locale: 'fr-FR' }).locale, 'fr-FR', '--locale when neither front matter nor folder says')
  t.equal(parse('---\nms.contentlocale: ja-JP\n---\n# T\n', { path: 'de-DE/x.md' }).locale, 'ja-JP', 'front matter wins over the folder')
})

t.test('spans', async (t) => {
  t.test('a span running over a line break', async (t) => {
    const article = parse(sideBySide(pair('t-101', '一行目\n二行目', 'line one\nline two')))
    t.equal(translationIn(article, 'ja-JP').blocks[0]?.type, 'paragraph')
    t.match(translationIn(article, 'ja-JP').blocks[0], { text: '一行目 二行目' })
    t.match(translationIn(article, 'en-US').blocks[0], { text: 'line one line two' })
    t.same(translationIn(article, 'ja-JP').segments[1], { id: 't-101', localized: '一行目\n二行目', source: 'line one\nline two' })
  })

  t.test('a link wrapping spans', async (t) => {
    const article = parse(sideBySide(`${pair('t-101', '次を参照:', 'See:')}\n\n- [${pair('t-102', 'リンク', 'the link')}](https://aka.ms/x)`))
    t.match(translationIn(article, 'ja-JP').links, [{ href: 'https://aka.ms/x', text: 'リンク', kind: 'short' }])
    t.match(translationIn(article, 'en-US').links, [{ href: 'https://aka.ms/x', text: 'the link', kind: 'short' }])
  })

  t.test('a link inside a span, with a title', async (t) => {
    const article = parse(sideBySide(pair('t-101', '[リンク](/x/y "題名")を参照', 'see [link](/x/y "Title")')))
    const [ja, en] = [translationIn(article, 'ja-JP'), translationIn(article, 'en-US')]
    t.match(ja.links, [{ href: 'https://learn.microsoft.com/x/y', text: 'リンク', title: '題名', kind: 'docs', context: 'block' }])
    t.match(en.links, [{ href: 'https://learn.microsoft.com/x/y', text: 'link', title: 'Title' }])
    t.match(ja.blocks[0], { type: 'paragraph', text: 'リンクを参照' })
  })

  t.test('`> [!NOTE]` indented in a list item', async (t) => {
    const body = `1. ${pair('t-101', '手順一', 'Step one')}\n\n    > [!NOTE]\n    > ${pair('t-102', '注意', 'A note')}\n\n2. ${pair('t-103', '手順二', 'Step two')}`
    const article = parse(sideBySide(body))
    for (const tr of article.translations) {
      t.equal(tr.steps.length, 2, `${tr.locale}: two steps, the note is no step`)
      const first = tr.steps[0]!
      const note = first.blocks.find((b) => b.type === 'callout')
      t.match(note, { type: 'callout', kind: 'note' }, `${tr.locale}: the note belongs to step 1`)
      t.notMatch(textOf(note!), /\[!NOTE\]/, 'the marker is gone')
    }
    t.equal(textOf(translationIn(article, 'ja-JP').steps[0]!.blocks[1]!), '注意')
    t.equal(textOf(translationIn(article, 'en-US').steps[0]!.blocks[1]!), 'A note')
  })

  t.test('a related-links list', async (t) => {
    const body = `${pair('t-101', '詳細については、次を参照してください。', 'For more information, see:')}\n\n` +
      `- [${pair('t-102', '一', 'One')}](https://support.office.com/article/1)\n- 「[${pair('t-103', '二', 'Two')}](/office/two)」`
    const article = parse(sideBySide(body))
    for (const tr of article.translations) {
      const list = listsOf(tr.blocks)[0]
      t.equal(list?.related, true, `${tr.locale}: flagged related`)
      t.equal(tr.steps.length, 0, `${tr.locale}: its items are no steps`)
      t.same(tr.links.map((l) => [l.context, l.kind]), [['related', 'support'], ['related', 'docs']])
    }
  })

  t.test('a plain Japanese "see also" list with 「」 around its links is related too', async (t) => {
    const article = parse('---\nms.contentlocale: ja-JP\n---\n# T\n\n詳細:\n\n- 「[一](https://aka.ms/1)」\n- 『[二](https://aka.ms/2)』\n')
    t.equal(listsOf(article.translations[0]!.blocks)[0]?.related, true)
    t.equal(article.translations[0]!.steps.length, 0)
  })

  t.test('text outside spans is on both sides', async (t) => {
    const article = parse(sideBySide(`| ${pair('t-101', '列', 'Column')} |\n|---|\n| ${pair('t-102', '値', 'Value')} |`))
    t.match(translationIn(article, 'ja-JP').blocks[0], { type: 'table', header: [{ text: '列' }], rows: [[{ text: '値' }]] })
    t.match(translationIn(article, 'en-US').blocks[0], { type: 'table', header: [{ text: 'Column' }], rows: [[{ text: 'Value' }]] })
  })
})

t.test('links', async (t) => {
  t.same(resolveLink('/microsoft-365/admin/x', 'https://docs.example.com'), { href: 'https://docs.example.com/microsoft-365/admin/x', kind: 'docs', targetArticleId: null }, 'relative, against a custom docs base')
  t.equal(resolveLink('/microsoft-365/admin/x').href, 'https://learn.microsoft.com/microsoft-365/admin/x', 'relative, against the default base')
  t.same(resolveLink('https://docs.microsoft.com/alchemyinsights/x'), { href: 'https://docs.microsoft.com/alchemyinsights/x', kind: 'article', targetArticleId: 'x' })
  t.equal(resolveLink('https://learn.microsoft.com/en-us/AlchemyInsights/Some-Article#top').targetArticleId, 'some-article', 'a locale path segment and case do not matter')
  t.equal(resolveLink('other-article.md').targetArticleId, 'other-article', 'a sibling .md file')
  t.equal(resolveLink('https://aka.ms/SaRA').kind, 'short')
  t.equal(resolveLink('https://go.microsoft.com/fwlink/?linkid=2109211').kind, 'short')
  t.equal(resolveLink('https://support.office.com/article/x').kind, 'support')
  t.equal(resolveLink('https://support.microsoft.com/topic/x').kind, 'support')
  t.equal(resolveLink('https://docs.microsoft.com/azure/x').kind, 'docs')
  for (const href of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', '  java\tscript:alert(1)', 'vbscript:msgbox(1)', 'data:text/html,<script>alert(1)</script>', 'file:///etc/passwd']) {
    t.match(resolveLink(href), { kind: 'unsafe', targetArticleId: null, href: href.trim() }, `${JSON.stringify(href)}: unsafe, never to be rendered as a link`)
  }
  t.equal(resolveLink('mailto:admin@example.com').kind, 'external', 'mailto: is an ordinary external link')
  t.equal(resolveLink('https://portal.azure.com/#blade').kind, 'external')
  t.equal(resolveLink('ms-settings:display').kind, 'external', 'a non-web scheme stays as it is')

  const custom = parse('---\nms.contentlocale: en-US\n---\n# T\n\nSee [this](/office/x) and [that](https://learn.microsoft.com/alchemyinsights/b).\n', { docsBase: 'https://docs.example.com' })
  t.match(custom.translations[0]!.links, [
    { href: 'https://docs.example.com/office/x', kind: 'docs', targetArticleId: null },
    { href: 'https://learn.microsoft.com/alchemyinsights/b', kind: 'article', targetArticleId: 'b' }
  ], 'the parser resolves with the docs base it is given')
})

t.test('broken files', async (t) => {
  const unclosed = sideBySide(`${pair('t-101', '一', 'One')}\n\n<span data-ttu-id="t-102">閉じていない`)
  t.throws(() => parseArticle(unclosed, { path: 'x.md' }), { name: 'ParseError', message: /t-102 is never closed/, line: 9 }, 'an unclosed span, with its line')
  const unclosedEnglish = sideBySide('<span data-ttu-id="t-101">一</span><span class="sxs-lookup"><span data-stu-id="t-101">One</span>')
  t.throws(() => parseArticle(unclosedEnglish, { path: 'x.md' }), { name: 'ParseError', line: 7 }, 'an unclosed English side')
  t.throws(() => parseArticle('---\ntitle: x\n\n# T\n\nBody.\n', { path: 'x.md', locale: 'en-US' }), { name: 'ParseError', message: /never closed/, line: 1 }, 'unclosed front matter')
  t.throws(() => parseArticle('---\ntitle: x\nnot a key\n---\n# T\n', { path: 'x.md', locale: 'en-US' }), { name: 'ParseError', line: 3 }, 'a front matter line that is no entry')
  t.throws(() => parseArticle('---\nms.contentlocale: not a locale!\n---\n# T\n', { path: 'x.md' }), ParseError, 'an invalid locale')
  t.throws(() => parseArticle('# T\n', { path: 'x.md' }), { name: 'ParseError', message: /no locale/ }, 'no locale anywhere')
  t.throws(() => parseArticle('# T\u0000\n', { path: 'x.md', locale: 'en-US' }), ParseError, 'NUL bytes')

  t.same(parseArticle('Just an include fragment.\n', { path: 'includes/x.md', locale: 'en-US' }), { kind: 'skipped', reason: 'no front matter and no H1: not an article' }, 'no front matter and no H1 is skipped, not an error')
})
