// Microsoft Docs Markdown extensions (zones, includes, `:::image`, `[!div]`, `[!VIDEO]`): read as
// what they stand for, in plain and side-by-side files, never as text of a step or a paragraph.
import t from 'tap'
import fc from 'fast-check'
import { rewriteDocfx } from '../../src/ingest/docfx.ts'
import { parseArticle } from '../../src/ingest/parse-article.ts'
import type { Block, Translation } from '../../src/ingest/model.ts'

/** type and Markdown (or source) of each block, items and callouts flattened, depth by indent. */
function outline (blocks: Block[], depth = 0): string[] {
  return blocks.flatMap((b) => {
    const own = `${'  '.repeat(depth)}${b.type} ${'markdown' in b ? b.markdown : 'src' in b ? `${b.src} | ${b.alt}` : 'kind' in b ? b.kind : ''}`.trimEnd()
    if (b.type === 'list') return [own, ...b.items.flatMap((item) => outline(item.blocks, depth + 1))]
    if (b.type === 'callout') return [own, ...outline(b.blocks, depth + 1)]
    return [own]
  })
}

function translations (text: string, path = 'en-US/docfx.md'): Translation[] {
  const parsed = parseArticle(text, { path })
  if (parsed.kind !== 'article') throw new Error('not an article')
  return parsed.article.translations
}

const plain = `---
title: Outlook keeps asking for a password
ms.contentlocale: en-US
---
# Outlook keeps asking for a password

[!INCLUDE[banner](../includes/banner.md)]

> [!VIDEO https://www.microsoft.com/videoplayer/embed/RE4dhoc]

:::image type="content" source="media/prompt.png" alt-text="The password prompt [Outlook]" lightbox="media/prompt.png":::

::: zone pivot="windows"
1. Open **Control Panel** > **Credential Manager**.
2. Remove the Outlook credentials.
::: zone-end

::: zone pivot="mac"
1. Open **Keychain Access**.
::: zone-end

> [!div class="nextstepaction"]
> [Run Tests: Outlook Connectivity](https://aka.ms/TestOutlookConnectivity)

> [!NOTE]
> Restart Outlook afterwards.

\`\`\`powershell
::: zone pivot="kept"
[!INCLUDE[kept](kept.md)]
\`\`\`

[!code-powershell[Main](../snippets/reset.ps1)]
`

t.test('a plain file: each extension becomes what it stands for', async (t) => {
  const [en] = translations(plain)
  t.same(outline(en!.blocks), [
    'paragraph <https://www.microsoft.com/videoplayer/embed/RE4dhoc>',
    'image media/prompt.png | The password prompt [Outlook]',
    'list',
    '  paragraph Open **Control Panel** > **Credential Manager**.',
    '  paragraph Remove the Outlook credentials.',
    'list',
    '  paragraph Open **Keychain Access**.',
    'paragraph [Run Tests: Outlook Connectivity](https://aka.ms/TestOutlookConnectivity)',
    'callout note',
    '  paragraph Restart Outlook afterwards.',
    'code'
  ])
  t.same(en!.steps.map((s) => s.text), ['Open Control Panel > Credential Manager.', 'Remove the Outlook credentials.', 'Open Keychain Access.'], 'no zone marker in a step')
  t.same(en!.links.map((l) => [l.href, l.kind]), [
    ['https://www.microsoft.com/videoplayer/embed/RE4dhoc', 'external'],
    ['https://aka.ms/TestOutlookConnectivity', 'short']
  ], 'the video and the button are links; an include is no link to an article')
  const code = en!.blocks.find((b) => b.type === 'code')
  t.equal(code?.type === 'code' && code.value, '::: zone pivot="kept"\n[!INCLUDE[kept](kept.md)]', 'fenced code is left as it is')
})

t.test('a side-by-side file: both sides read the extensions alike', async (t) => {
  const span = (id: string, ja: string, en: string): string => `<span data-ttu-id="abc12-${id}">${ja}</span><span class="sxs-lookup"><span data-stu-id="abc12-${id}">${en}</span></span>`
  const sxs = `---
title: Outlook のパスワード
ms.contentlocale: ja-JP
ms.translationtype: HT
---
# ${span('101', 'Outlook でパスワードの入力を求められる', 'Outlook keeps asking for a password')}

::: zone pivot="windows"
1. ${span('102', '資格情報マネージャーを開きます。', 'Open Credential Manager.')}
2. ${span('103', 'Outlook の資格情報を削除します。', 'Remove the Outlook credentials.')}
::: zone-end

> [!div class="nextstepaction"]
> [${span('104', 'テストの実行', 'Run Tests')}](https://aka.ms/TestOutlookConnectivity)
`
  const [ja, en] = translations(sxs, 'ja-JP/password.md')
  t.equal(ja!.locale, 'ja-JP')
  t.equal(en!.locale, 'en-US')
  t.same(ja!.steps.map((s) => s.text), ['資格情報マネージャーを開きます。', 'Outlook の資格情報を削除します。'])
  t.same(en!.steps.map((s) => s.text), ['Open Credential Manager.', 'Remove the Outlook credentials.'])
  t.same(outline(ja!.blocks).map((line) => line.split(' ')[0]), outline(en!.blocks).map((line) => line.split(' ')[0]), 'one structure')
  t.same([ja!.links[0]?.text, en!.links[0]?.text], ['テストの実行', 'Run Tests'], 'the button is a link on both sides')
})

t.test('rewriteDocfx keeps every line where it was, and text without extensions as it is', async (t) => {
  const piece = fc.constantFrom('::: zone pivot="a"', '::: zone-end', ':::image type="content" source="a b.png" alt-text="x":::', ':::image-end:::',
    '[!INCLUDE[a](b.md)]', '> [!div class="x"]', '> [link](https://a)', '> [!VIDEO https://v]', '```', '~~~', 'text', '1. step', '', '> quote')
  fc.assert(fc.property(fc.array(piece, { minLength: 1, maxLength: 30 }), (lines) => {
    const text = lines.join('\n')
    return rewriteDocfx(text).split('\n').length === lines.length
  }))
  const untouched = '# Title\n\n1. Step with a [link](https://a).\n\n> [!NOTE]\n> Text: 3 ::: 4\n'
  t.equal(rewriteDocfx(untouched), untouched)
})
