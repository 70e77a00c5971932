// A search reads one snapshot of the content: an import that commits while a search runs (in
// another connection, as `kb import` does next to a server) shows in the next search, never
// half in one page.
import t from 'tap'
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { openDatabase } from '../../src/db/connection.ts'
import { migrate } from '../../src/db/migrate.ts'
import { importPaths } from '../../src/import/import-paths.ts'
import { ArticleSearch } from '../../src/search/search-articles.ts'

const ARTICLE = '401-unauthorized-error-sharepoint'
const LOOKUP = 'SELECT title FROM translations WHERE article_id'

t.test('a write committed between two statements of a search is not in its page, and is in the next', async (t) => {
  const dir = t.testdir({ 'en-US': { [`${ARTICLE}.md`]: '---\ntitle: SharePoint 401 Unauthorized\n---\n# SharePoint 401 Unauthorized\n\nSign in again to SharePoint.\n' } })
  const file = join(dir, 'kb.sqlite')
  const writer = openDatabase(file)
  t.teardown(() => writer.close())
  migrate(writer)
  t.equal(importPaths(writer, [dir]).failed, 0)

  // The first title looked up for a page sets off an import's write in the other connection
  let armed = false
  const reader = new Database(file, {
    readonly: true,
    verbose: (sql) => {
      if (!armed || !String(sql).startsWith(LOOKUP)) return
      armed = false
      writer.prepare('UPDATE translations SET title = ? WHERE article_id = ?').run('Renamed by an import', ARTICLE)
    }
  })
  t.teardown(() => reader.close())
  const search = new ArticleSearch(reader)

  armed = true
  const during = search.search({ q: 'SharePoint unauthorized', locale: 'en-US' })
  t.equal(armed, false, 'the write ran while the search did')
  t.same(during.results.map((r) => [r.id, r.title]), [[ARTICLE, 'SharePoint 401 Unauthorized']], 'the page is of the content the search started on')

  const after = search.search({ q: 'SharePoint unauthorized', locale: 'en-US' })
  t.same(after.results.map((r) => [r.id, r.title]), [[ARTICLE, 'Renamed by an import']], 'the next search sees the write')
})
