// Article ids: derived from the file's path, URL-safe, the same whichever folder it is imported from.
//
// The rule: take the path relative to the folder given to the importer, drop the `.md`
// extension and every folder named like a locale (`ja-JP`, `en-US.derived`), join the
// remaining parts with `__` (the corpus writes subfolders that way), then NFKC-normalize,
// drop zero-width characters and apostrophes, lowercase, and turn every run of characters
// other than a-z, 0-9, `_` and `-` into one `-`.

// language, optional script, region (`ja-JP`, `zh-Hans-CN`, `es-419`), optional `.suffix`
const LOCALE_FOLDER = /^[a-z]{2,3}(-[a-z]{4})?-([a-z]{2}|\d{3})(\.[a-z0-9-]+)?$/i
const languages = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' })
const ZERO_WIDTH = /[\u200b-\u200d\u2060\ufeff\u00ad]/g
const APOSTROPHES = /['\u2019\u2018`]/g

/** Folder names already looked at: an import asks about the same ~40 for every file (~60 µs each). */
const folderLocales = new Map<string, string | null>()
const FOLDERS_KEPT = 1000

/** The locale a folder name stands for (`ja-JP.plain` → `ja-JP`), if it is one. */
export function localeOfFolder (name: string): string | null {
  let locale = folderLocales.get(name)
  if (locale === undefined) {
    if (folderLocales.size >= FOLDERS_KEPT) folderLocales.clear()
    locale = folderLocaleOf(name)
    folderLocales.set(name, locale)
  }
  return locale
}

function folderLocaleOf (name: string): string | null {
  if (!LOCALE_FOLDER.test(name)) return null
  const tag = name.split('.')[0]!
  try {
    // A subfolder such as `how-to` has the shape of a tag but no real language.
    if (languages.of(tag.split('-')[0]!) === undefined) return null
    return Intl.getCanonicalLocales(tag)[0] ?? null
  } catch {
    return null
  }
}

export function slugify (text: string): string {
  return text
    .normalize('NFKC')
    .replace(ZERO_WIDTH, '')
    .replace(APOSTROPHES, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
}

/** `relativePath` uses `/` separators and is relative to the import root. */
export function articleIdOf (relativePath: string): string {
  const parts = relativePath.split(/[\\/]/).filter((p) => p !== '' && p !== '.')
  const file = (parts.pop() ?? '').replace(/\.(md|markdown)$/i, '')
  const folders = parts.filter((p) => p !== '..' && localeOfFolder(p) === null)
  return [...folders, file].map(slugify).filter((p) => p !== '').join('__')
}
