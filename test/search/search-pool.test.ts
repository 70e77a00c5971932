// Search threads: the same pages as a search on the event loop, errors carried back as what
// they were, a bounded queue, searches nobody waits for any more, a thread that cannot start,
// closing. Over HTTP: the route searches on the threads and answers 503 with Retry-After when
// they cannot take the search, and /ready says when they cannot open the database.
import t from 'tap'
import { readdirSync, readFileSync, renameSync } from 'node:fs'
import { setTimeout as delay } from 'node:timers/promises'
import { join } from 'node:path'
import { openDatabase } from '../../src/db/connection.ts'
import { ArticleSearch, SearchCursorError, type SearchOptions } from '../../src/search/search-articles.ts'
import { SearchPool, SearchUnavailableError } from '../../src/search/search-pool.ts'
import { searchAnswer, type SearchAnswer, type SearchEnvelope } from '../../src/search/search-response.ts'
import { buildTestApp } from '../helpers/build-app.ts'
import { resolveConfig } from '../../src/config.ts'

interface EvalQuery { q: string, locale: string }
const queries = (JSON.parse(readFileSync(new URL('../fixtures/search-queries.json', import.meta.url), 'utf8')) as { queries: EvalQuery[] }).queries

/** The envelope the route would give a search asked with ?locale= (or with nothing). */
const envelopeOf = (options: SearchOptions): SearchEnvelope => ({
  query: options.q,
  locale: { requested: options.locale ?? null, served: options.locale ?? 'en-US', fallback: false, available: ['de-DE', 'en-US', 'ja-JP'] }
})
const ask = (pool: SearchPool, options: SearchOptions, signal: AbortSignal | null = null): Promise<SearchAnswer> => pool.search(options, envelopeOf(options), signal)

t.test('search threads', async (t) => {
  // The whole test corpus, in a file the threads can open
  const app = await buildTestApp(t, { corpus: true })
  const dbFile = app.kb.db.name
  t.equal(app.kb.searchPool, null, 'the test default searches on the event loop (searchThreads 0)')

  t.test('the same pages as a search on the event loop, for every eval query and a next page', async (t) => {
    const pool = new SearchPool(dbFile, { threads: 2, maxQueued: 1000 })
    t.teardown(() => pool.close())
    const db = openDatabase(dbFile, { readonly: true })
    t.teardown(() => db.close())
    const here = new ArticleSearch(db)
    const asked: SearchOptions[] = queries.flatMap(({ q, locale }) => [
      { q, locale },
      { q, acceptLanguage: 'de-DE,de;q=0.9,en;q=0.5', limit: 3 },
      { q, locale: 'ja', scenario: '9000112', audience: 'Admin' }
    ])
    // All at once: both threads busy, the rest queued, every answer matched to its question
    const answers = await Promise.all(asked.map((options) => ask(pool, options)))
    let differ = 0
    asked.forEach((options, i) => {
      const expected = searchAnswer(here.search(options), envelopeOf(options))
      if (answers[i]!.body !== expected.body || answers[i]!.nextCursor !== expected.nextCursor) differ++
    })
    t.equal(differ, 0, `${asked.length} searches, each body and next cursor identical`)
    t.ok(answers.some((a) => JSON.parse(a.body).results.length > 0), 'and they found articles')

    const first = await ask(pool, { q: 'Office', limit: 2 })
    t.ok(first.nextCursor, 'a first page with a next cursor')
    const next = { q: 'Office', limit: 2, cursor: first.nextCursor }
    t.equal((await ask(pool, next)).body, searchAnswer(here.search(next), envelopeOf(next)).body, 'the next page too')
  })

  t.test('a cursor the search did not issue is a SearchCursorError, and the thread goes on', async (t) => {
    const pool = new SearchPool(dbFile, { threads: 1, maxQueued: 10 })
    t.teardown(() => pool.close())
    const issued = (await ask(pool, { q: 'Office', limit: 1 })).nextCursor!
    await t.rejects(ask(pool, { q: 'Excel', cursor: issued }), SearchCursorError, 'a cursor of another query')
    await t.rejects(ask(pool, { q: 'Excel', cursor: 'not-a-cursor!' }), SearchCursorError, 'garbage')
    t.ok(JSON.parse((await ask(pool, { q: 'Unlicensed Product' })).body).results.length > 0, 'the next search is answered')
  })

  t.test('a full queue refuses at once; a search whose callers all left is dropped, not run', async (t) => {
    const full = new SearchPool(dbFile, { threads: 1, maxQueued: 1 })
    t.teardown(() => full.close())
    // The thread holds two (the one it runs and the next), the third waits, the fourth finds the queue full
    const outcomes = await Promise.allSettled([ask(full, { q: 'Office' }), ask(full, { q: 'Excel' }), ask(full, { q: 'Teams' }), ask(full, { q: 'Outlook' })])
    t.same(outcomes.map((o) => o.status), ['fulfilled', 'fulfilled', 'fulfilled', 'rejected'])
    t.type((outcomes[3] as PromiseRejectedResult).reason, SearchUnavailableError)
    t.match((outcomes[3] as PromiseRejectedResult).reason.message, /1 searches waiting/)

    // While the thread starts (it loads the search code) and runs the first search, the others
    // wait: the one whose caller leaves is dropped; one with a caller left and one still there
    // runs. The thread's next search was handed to it: it runs even though its caller left.
    const pool = new SearchPool(dbFile, { threads: 1, maxQueued: 10 })
    t.teardown(() => pool.close())
    const gone = new AbortController()
    const alsoGone = new AbortController()
    const stays = new AbortController()
    const handedOn = new AbortController()
    const first = ask(pool, { q: 'Office' }, new AbortController().signal)
    const next = ask(pool, { q: 'SharePoint' }, handedOn.signal)
    const dropped = ask(pool, { q: 'Excel' }, gone.signal)
    const kept = ask(pool, { q: 'Teams' }, alsoGone.signal)
    const twin = ask(pool, { q: 'Teams' }, stays.signal)
    gone.abort()
    alsoGone.abort()
    handedOn.abort()
    const [a, n, b, c, d] = await Promise.allSettled([first, next, dropped, kept, twin])
    t.equal(a.status, 'fulfilled', 'the running search')
    t.equal(n.status, 'fulfilled', 'the search the thread holds next')
    t.equal(b.status, 'rejected', 'the search nobody waits for any more')
    t.match((b as PromiseRejectedResult).reason, { name: 'SearchUnavailableError', message: /left before it ran/ })
    t.equal(c.status, 'fulfilled', 'a search one of whose callers is still there runs')
    t.equal(d.status, 'fulfilled')
  })

  t.test('each thread holds two searches, the one it runs and the next; the rest wait in the queue', async (t) => {
    const pool = new SearchPool(dbFile, { threads: 2, maxQueued: 1 })
    t.teardown(() => pool.close())
    // Two threads hold four, one waits, the sixth finds the queue full
    const outcomes = await Promise.allSettled(queries.slice(0, 6).map(({ q, locale }) => ask(pool, { q, locale })))
    t.same(outcomes.map((o) => o.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected'])
    t.match((outcomes[5] as PromiseRejectedResult).reason, { name: 'SearchUnavailableError', message: /1 searches waiting/ })
    t.ok(outcomes.slice(0, 5).every((o) => JSON.parse((o as PromiseFulfilledResult<SearchAnswer>).value.body).results.length > 0), 'each answered with its articles')
  })

  t.test('searches whose callers all left do not count toward the queue bound', async (t) => {
    const pool = new SearchPool(dbFile, { threads: 1, maxQueued: 2 })
    t.teardown(() => pool.close())
    // The first two go to the (starting) thread; the next two wait, and their callers leave
    const left = [new AbortController(), new AbortController()]
    const running = ask(pool, { q: 'Office' })
    const held = ask(pool, { q: 'Teams' })
    const abandoned = left.map((c, i) => ask(pool, { q: `Excel ${i}` }, c.signal))
    left.forEach((c) => c.abort())
    const askedWhenFullOfAbandoned = ask(pool, { q: 'SharePoint' }, null)
    // The same search as a dropped one, asked again at once: a search of its own, not the dropped one's refusal
    const askedAgain = ask(pool, { q: 'Excel 0' }, new AbortController().signal)
    const full = ask(pool, { q: 'Outlook' })
    const outcomes = await Promise.allSettled([running, ...abandoned, askedWhenFullOfAbandoned, askedAgain, full])
    await t.resolves(held, 'the search the thread held next')
    t.same(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'rejected', 'fulfilled', 'fulfilled', 'rejected'],
      'a search asked when the queue held only abandoned ones waits and runs; so does a dropped one asked again')
    for (const o of outcomes.slice(1, 3)) t.match((o as PromiseRejectedResult).reason, { name: 'SearchUnavailableError', message: /left before it ran/ }, 'the abandoned searches are dropped')
    t.match((outcomes[5] as PromiseRejectedResult).reason, { name: 'SearchUnavailableError', message: /2 searches waiting/ }, 'two live searches fill the queue')
  })

  t.test('the same search asked while it waits joins it; once it runs, a new one waits', async (t) => {
    const pool = new SearchPool(dbFile, { threads: 1, maxQueued: 1 })
    t.teardown(() => pool.close())
    // One thread, one place in the queue: the first search runs; asked again, it is a search
    // of its own (the running one may have read content older than what this caller saw), the
    // thread's next; the second search waits, its twin joins it, and a third finds the queue full
    const first = ask(pool, { q: 'Unlicensed Product', locale: 'ja' })
    const again = ask(pool, { q: 'Unlicensed Product', locale: 'ja' })
    const second = ask(pool, { q: 'Unlicensed Product', locale: 'de' })
    const twin = ask(pool, { q: 'Unlicensed Product', locale: 'de' })
    const third = ask(pool, { q: 'activation', locale: 'de' })
    const [a, b, c, d, e] = await Promise.allSettled([first, again, second, twin, third])
    const value = (r: PromiseSettledResult<unknown>): unknown => (r as PromiseFulfilledResult<unknown>).value
    t.same([a, b, c, d].map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'])
    t.not(value(b), value(a), 'the search asked while its twin ran was run again')
    t.same(value(b), value(a), 'to the same page')
    t.equal(value(d), value(c), 'the twin of a waiting search got its page')
    t.equal(e.status, 'rejected', 'and took no place in the queue: the third found it full')
  })

  t.test('a waiting search joins only the same search asked the same way: the body holds what each caller asked', async (t) => {
    const pool = new SearchPool(dbFile, { threads: 1, maxQueued: 10 })
    t.teardown(() => pool.close())
    const options = { q: 'Unlicensed Product', locale: 'ja-JP' }
    const asked = (requested: string): SearchEnvelope => ({ query: options.q, locale: { requested, served: 'ja-JP', fallback: false, available: ['en-US', 'ja-JP'] } })
    // The thread holds two searches (PER_THREAD): these three wait in the queue
    const held = [ask(pool, { q: 'Office' }), ask(pool, { q: 'Teams' })]
    const [ja, jaJP, jaAgain] = await Promise.all([pool.search(options, asked('ja')), pool.search(options, asked('ja-JP')), pool.search(options, asked('ja'))])
    await Promise.all(held)
    t.equal(jaAgain, ja, 'asked the same way while it waited: joined')
    t.not(jaJP, ja, 'asked another way: a search of its own')
    const requested = (answer: SearchAnswer): unknown => {
      const body = JSON.parse(answer.body) as { locale: { requested: string }, results: Array<{ locale: { requested: string } }> }
      return [body.locale.requested, ...new Set(body.results.map((r) => r.locale.requested))]
    }
    t.same(requested(ja), ['ja', 'ja'], 'ja, in the page\'s locale block and every hit\'s')
    t.same(requested(jaJP), ['ja-JP', 'ja-JP'], 'ja-JP, in each')
  })

  t.test('threads that cannot open the database: the search is refused, the pool stops restarting them', async (t) => {
    const pool = new SearchPool(join(t.testdir(), 'missing.sqlite'), { threads: 1, maxQueued: 10 })
    t.teardown(() => pool.close())
    await t.rejects(ask(pool, { q: 'Office' }), { name: 'SearchUnavailableError', message: /a search thread stopped/, cause: { message: /missing\.sqlite/ } }, 'the search that was on the thread')
    // Each failed start is replaced until three failed in a row
    let last: unknown = null
    for (let i = 0; i < 5 && !(last instanceof Error && /cannot start/.test(last.message)); i++) {
      last = await ask(pool, { q: 'Office' }).then(() => null, (err: unknown) => err)
      t.type(last, SearchUnavailableError, `search ${i + 2} is refused too`)
    }
    t.match(last, { message: 'search threads cannot start', cause: { message: /^cannot open .*missing\.sqlite: unable to open/ } }, 'then every search is refused at once, with why for the log')
    await t.rejects(ask(pool, { q: 'Office' }), /cannot start/, 'and stays refused')
  })

  t.test('the threads run at a lower priority than the event loop, by `niceness`', async (t) => {
    // /proc/<task>/stat: the nice value is the 17th field after the command's closing parenthesis
    // (null: the thread ended meanwhile, say one of another test's pools)
    const niceOf = (task: string): number | null => {
      let stat: string
      try {
        stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8')
      } catch {
        return null
      }
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
    }
    const own = niceOf(String(process.pid))!
    const at = (nice: number): number => readdirSync('/proc/self/task').filter((task) => niceOf(task) === nice).length
    const lowered = Math.min(19, own + 7)
    const before = at(lowered)
    const pool = new SearchPool(dbFile, { threads: 2, maxQueued: 10, niceness: 7 })
    t.teardown(() => pool.close())
    pool.start()
    await ask(pool, { q: 'Office' })
    // Each thread lowers itself as it starts; the second may still be starting
    for (let waited = 0; at(lowered) < before + 2 && waited < 10_000; waited += 20) await delay(20)
    t.equal(at(lowered), before + 2, 'both search threads')
    t.equal(niceOf(String(process.pid)), own, 'the event loop keeps its own')
    t.ok(JSON.parse((await ask(pool, { q: 'Office' })).body).results.length > 0, 'and they search')
  })

  t.test('closing refuses the queued searches and any after', async (t) => {
    const pool = new SearchPool(dbFile, { threads: 1, maxQueued: 10 })
    const running = t.rejects(ask(pool, { q: 'Office' }), SearchUnavailableError, 'the running search')
    const queued = t.rejects(ask(pool, { q: 'Excel' }), SearchUnavailableError, 'the queued search')
    await pool.close()
    await Promise.all([running, queued])
    await t.rejects(ask(pool, { q: 'Teams' }), /closing/, 'a new one')
  })
})

t.test('KB_SEARCH_NICENESS: 5 by default, a nice value from 0 to 19', async (t) => {
  t.equal(resolveConfig({}, {}).searchNiceness, 5)
  t.equal(resolveConfig({}, { KB_SEARCH_NICENESS: '0' }).searchNiceness, 0)
  t.equal(resolveConfig({}, { KB_SEARCH_NICENESS: '19' }).searchNiceness, 19)
  t.throws(() => resolveConfig({}, { KB_SEARCH_NICENESS: '20' }), /KB_SEARCH_NICENESS must be a nice value from 0 to 19/)
  t.throws(() => resolveConfig({}, { KB_SEARCH_NICENESS: '-1' }), /KB_SEARCH_NICENESS must be a non-negative integer/)
})

t.test('GET /v1/search on threads: the answers of the event-loop app; 503 with Retry-After when the threads cannot search', async (t) => {
  const threaded = await buildTestApp(t, { corpus: true, config: { searchThreads: 2 } })
  t.ok(threaded.kb.searchPool, 'searchThreads 2: a pool')
  const onLoop = await buildTestApp(t, { corpus: true })
  t.equal(onLoop.kb.searchPool, null)
  let found = 0
  for (const { q, locale } of queries.slice(0, 20)) {
    for (const how of [{ query: `&locale=${locale}`, headers: {} }, { query: '&limit=3', headers: { 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' } }]) {
      const request = { url: `/v1/search?q=${encodeURIComponent(q)}${how.query}`, headers: how.headers }
      const [res, expected] = await Promise.all([threaded.inject(request), onLoop.inject(request)])
      t.equal(res.statusCode, 200, q)
      t.equal(res.body, expected.body, `${request.url}: the same body`)
      t.same(
        [res.headers['content-type'], res.headers['content-language'], res.headers.link, res.headers.etag],
        [expected.headers['content-type'], expected.headers['content-language'], expected.headers.link, expected.headers.etag],
        'the same Content-Type, Content-Language, Link and ETag')
      found += res.json().results.length
    }
  }
  t.ok(found > 0, 'and they found articles')
  // A refused search is the overload problem, not a 500
  await threaded.kb.searchPool!.close()
  const res = await threaded.inject({ url: '/v1/search?q=quarantine' })
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], '1')
  t.match(res.json(), { code: 'KB_OVERLOADED', detail: /closing/ })
})

t.test('GET /ready is 503 once the search threads cannot start', async (t) => {
  const app = await buildTestApp(t, { config: { searchThreads: 1 } })
  t.equal((await app.inject('/ready')).statusCode, 200, 'ready while the threads can start')
  // The server keeps its open connection; new threads find no file
  const file = app.kb.db.name
  renameSync(file, `${file}.moved`)
  let ready
  try {
    const res = await app.inject('/v1/search?q=quarantine')
    t.equal(res.statusCode, 503, 'the search is refused')
    ready = await app.inject('/ready')
    for (let i = 0; i < 100 && ready.statusCode === 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      ready = await app.inject('/ready')
    }
  } finally {
    renameSync(`${file}.moved`, file)
  }
  t.equal(ready.statusCode, 503, 'not ready')
  t.match(ready.json(), { code: 'KB_NOT_READY', detail: 'searches cannot run: the search threads cannot start' })
  t.notMatch(ready.body, file, 'no path in the answer')
  t.equal((await app.inject('/health')).statusCode, 200, 'still alive')
  t.equal((await app.inject('/v1/articles?limit=1')).statusCode, 200, 'articles are still served')
})
