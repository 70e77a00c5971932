// Where the test corpus and the seed live, and small readers shared by the ingest, import and CLI tests.
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { parseArticle, type ParseOptions } from '../../src/ingest/parse-article.ts'
import type { ParsedArticle, Translation } from '../../src/ingest/model.ts'

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
export const corpusDir = join(repoRoot, 'test/fixtures/corpus')
export const seedFile = join(repoRoot, 'seeds/ja-JP/fixing-office-apps-message-unlicensed-product.md')

/** Folders of side-by-side files (localized + English spans). */
export const SIDE_BY_SIDE_FOLDERS = ['ja-JP', 'de-DE', 'zh-CN', 'fr-FR'] as const
/** Folders of plain Markdown in one language. */
export const PLAIN_FOLDERS = ['ja-JP.plain', 'en-US.derived'] as const
export const CORPUS_FOLDERS = [...SIDE_BY_SIDE_FOLDERS, ...PLAIN_FOLDERS]

/** The `.md` files of one corpus folder, sorted. */
export function markdownFiles (folder: string): string[] {
  return readdirSync(join(corpusDir, folder)).filter((f) => f.endsWith('.md')).sort()
}

/** Parses `folder/file` of the corpus (path relative to the corpus root); a skipped file is an error here. */
export function parseCorpusFile (folder: string, file: string, options: Partial<ParseOptions> = {}): ParsedArticle {
  const result = parseArticle(readFileSync(join(corpusDir, folder, file), 'utf8'), { path: `${folder}/${file}`, ...options })
  if (result.kind !== 'article') throw new Error(`${folder}/${file} was skipped: ${result.reason}`)
  return result.article
}

/** The translation of `article` in `locale`; throws when there is none, so a test fails loudly. */
export function translationIn (article: ParsedArticle, locale: string): Translation {
  const found = article.translations.find((tr) => tr.locale === locale)
  if (!found) throw new Error(`${article.id} has no ${locale} translation (has ${article.translations.map((tr) => tr.locale).join(', ')})`)
  return found
}

/** Every translation of every corpus file, parsed, with the folder and file it comes from. */
export function * corpusTranslations (): Generator<{ folder: string, file: string, translation: Translation }> {
  for (const folder of CORPUS_FOLDERS) {
    for (const file of markdownFiles(folder)) {
      for (const translation of parseCorpusFile(folder, file).translations) yield { folder, file, translation }
    }
  }
}
