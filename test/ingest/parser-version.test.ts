// PARSER_VERSION is bumped whenever the parse changes: a fingerprint of what parseArticle makes
// of the test corpus, the seed and a file of every construct, recorded next to the version.
import t from 'tap'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArticle, ParseError, PARSER_VERSION } from '../../src/ingest/parse-article.ts'
import { CORPUS_FOLDERS, corpusDir, markdownFiles, seedFile } from '../helpers/corpus.ts'

/**
 * What the parse of the files below gave when PARSER_VERSION was last bumped. When this test
 * fails, the parse changed: bump PARSER_VERSION (databases then parse every file again on their
 * next import and write what changed), and record the version and the fingerprint it prints.
 * (Version 2 changed how the store takes an article's fields, not the parse: same fingerprint.)
 */
const RECORDED = { version: 2, fingerprint: 'WslotdbZbQNExk4xFxVJMg' }

/** One file of every construct the parser reads, in both forms, for what the corpus lacks. */
const CONSTRUCTS = `---
title: Every construct
ms.custom: "1234, Adm_O365"
ms.contentlocale: en-US
audience: Admin
---
# Every construct

Text with **bold**, _emphasis_, \`code\`, ~~struck~~, a [relative link](../other-article.md "Title"),
an [absolute one](https://docs.microsoft.com/office/troubleshoot/x), <https://aka.ms/auto>, www.example.com,
an image ![alt](media/a.png) and a hard break  
after it, a backslash one\\
and a <br> tag.

> [!NOTE]
> A note with a [link](https://support.microsoft.com/help/12345).

> [!div class="nextstepaction"]
> [Next step](https://example.com/next)

::: zone pivot="windows"

1. First step: open **Settings**.
   - A sub-item
   - Another, with \`0x8004FC12\`
2. Second step.

   \`\`\`powershell
   Get-Mailbox -Identity x
   \`\`\`

::: zone-end

[!INCLUDE [banner](../includes/banner.md)]

:::image type="content" source="media/b.png" alt-text="A picture":::

| Column | Other |
|---|---|
| a | b |

<table><tr><td>HTML</td></tr></table>

## Related

- [Another article](another-article.md)
- [Error 0x80070005](https://example.com/0x80070005)
`

/** The same text in the side-by-side form, two sentences translated. */
const SIDE_BY_SIDE = `---
title: 翻訳
ms.contentlocale: ja-JP
ms.openlocfilehash: abc123
ms.lasthandoff: 11/01/2020
---
# <span data-ttu-id="1-101">翻訳の例</span><span class="sxs-lookup"><span data-stu-id="1-101">A translation</span></span>

1. <span data-ttu-id="1-102">**設定** を開きます。</span><span class="sxs-lookup"><span data-stu-id="1-102">Open **Settings**.</span></span>
2. <span data-ttu-id="1-103">[リンク](https://example.com) を選択します。</span><span class="sxs-lookup"><span data-stu-id="1-103">Select the [link](https://example.com).</span></span>
`

function parsed (text: string, path: string): unknown {
  try {
    return parseArticle(text, { path })
  } catch (err) {
    if (err instanceof ParseError) return { error: err.message, line: err.line }
    throw err
  }
}

t.test('the parse of the test files is the one recorded for PARSER_VERSION', async (t) => {
  const files: Array<[string, string]> = [
    ['constructs/en-US/every-construct.md', CONSTRUCTS],
    ['constructs/ja-JP/every-construct.md', SIDE_BY_SIDE],
    ['seeds/ja-JP/fixing-office-apps-message-unlicensed-product.md', readFileSync(seedFile, 'utf8')]
  ]
  for (const folder of CORPUS_FOLDERS) {
    for (const file of markdownFiles(folder)) files.push([`${folder}/${file}`, readFileSync(join(corpusDir, folder, file), 'utf8')])
  }
  t.ok(files.length > 300, `${files.length} files`)
  const hash = createHash('sha256')
  for (const [path, text] of files) hash.update(`${path}\n${JSON.stringify(parsed(text, path))}\n`)
  const fingerprint = hash.digest('base64url').slice(0, 22)
  const advice = `the parse changed (fingerprint ${fingerprint}): bump PARSER_VERSION in src/ingest/parse-article.ts to ${RECORDED.version + 1} and record { version: ${RECORDED.version + 1}, fingerprint: '${fingerprint}' } here`
  t.equal(PARSER_VERSION, RECORDED.version, 'the version the fingerprint was recorded for')
  t.equal(fingerprint, RECORDED.fingerprint, fingerprint === RECORDED.fingerprint ? 'the parse is the one recorded' : advice)
})
