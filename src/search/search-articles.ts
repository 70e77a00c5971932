// Article search over the FTS5 index: ranks documents with bm25 (the served locale's, its
// language's and en-US's first, then every locale's), groups them by article, and answers each
// article in the served locale with a marked snippet and the ids of its matching steps. Results
// come in tiers: the text as typed (phrases), every word, every word with typos corrected, any
// word. Statements are prepared once per database (ArticleSearch), and a search reads one
// snapshot. bm25 is kb_rank(), given each phrase's document count from a memo
// (src/search/kb-rank.c), or SQLite's bm25() where that is not built: the same scores.
import { createHash } from 'node:crypto'
import type { Database, Statement } from 'better-sqlite3'
import { languageOf, negotiateLocale } from '../locale/negotiate.ts'
import { SOURCE_LOCALE } from '../ingest/parse-article.ts'
import { analyzeQuery, buildMatchQuery, extractQuotedMessages, foldWord, isStopword, quoted, spellingsOf, wordsOf, type AnalyzedQuery, type QueryTerm } from './analyze.ts'
import { boundedDistance } from './edit-distance.ts'
import { buildSnippet, MARK_CLOSE, MARK_OPEN, markedLines, type Snippet, type SnippetSource } from './snippet.ts'
import { localeToken } from './search-index.ts'
import { loadRankFunction, phrasesOf } from './rank-function.ts'

/**
 * bm25 weights of search_docs' columns, in table order. An error code or a quoted message
 * found in the query says more than any word, and the title says what the article is about.
 * `locale` only filters (weight 0: its one token counts only in a document's length).
 */
export const COLUMN_WEIGHTS = { title: 10, keywords: 4, codes: 25, messages: 8, headings: 4, steps: 1.5, callouts: 1.5, body: 1, locale: 0 } as const

export const DEFAULT_LIMIT = 10
export const MAX_LIMIT = 50
/** Deeper pages are not served: a search box is never paged this far. */
export const MAX_OFFSET = 1000
/** Typo tolerance starts when needing every word finds fewer articles than this. */
export const FUZZY_BELOW = 3
/** A word in fewer documents than this may be a typo. */
const RARE_WORD_DOCS = 2
/**
 * Documents ranked per article wanted, in the first round of a search over every locale: about
 * the locales of one article (~35 in the real corpus). Each round re-runs MATCH and bm25 over
 * every matching document, so one round that groups more documents is cheaper than a second
 * round: 8 made most code and phrase queries at 100k documents take two rounds (~15-20% slower
 * than with 40). The first search, in the first locales only, ranks one per locale.
 */
const DOCS_PER_ARTICLE = 40
/** Documents of one article tried for a snippet with marks. */
const SNIPPET_TRIES = 3
/** Localized titles looked at to translate a quoted message, and translations kept. */
const MESSAGE_SOURCES = 20
const MAX_TRANSLATIONS = 3
/** Corrections tried per word. */
const MAX_CORRECTIONS = 3
/**
 * In the "any word" tier, a word found in more than this share of the documents (and in more
 * than COMMON_WORD_MIN_DOCS) is left out while rarer terms remain: "OneDrive 0x8009037d" then
 * also finds the code without OneDrive, not every OneDrive document (15% of them, all ranked),
 * which was most of a query's time. At 100k documents, 1% (not 5%) also leaves out the product
 * names of the page-filling articles ("Excel" in 3%): code queries ~20% faster, eval unchanged.
 */
const COMMON_WORD_SHARE = 0.01
const COMMON_WORD_MIN_DOCS = 20
/**
 * When no rare word is there to stand for them, the "any" tier first ranks the documents that
 * hold two of the terms or more, for 3 to this many terms (6 pairs). At 100k, `Office multi
 * factor authentication`: 1,228 such documents against 72,254 with one of the words (9 against
 * 72 ms). Five or six words that often come together made the pairs slower than the union
 * (`office windows error outlook sign`: 56,089 documents, 148 against 89 ms).
 */
const MAX_PAIRED_TERMS = 4
/**
 * Answers kept per content revision: a word's document count, an article's locales, a quoted
 * message's translations. Words, popular articles and messages recur across queries.
 */
const MEMO_WORDS = 20_000
const MEMO_WORD_LENGTH = 40
const MEMO_ARTICLES = 3_000
const MEMO_MESSAGES = 2_000
/**
 * Phrases whose documents kb_rank() is given counted; a longer phrase (a pasted message) is
 * counted on each ranking, as bm25() would.
 */
const MEMO_PHRASES = 20_000
const MEMO_PHRASE_LENGTH = 120
/**
 * Words of the typo vocabulary kept, by first character: fts5vocab counts every word's
 * documents as it lists them (53 ms for the 311 words under `a` at 100k documents), and the
 * same letters come back with every misspelled word. ~50 bytes a word.
 */
const MEMO_VOCABULARY_WORDS = 100_000
/**
 * An expression that can match at most this many documents in all is ranked once over every
 * locale and split by locale here (splitRanking), not ranked with the locale filter first.
 * Ranking and grouping a document costs ~5 µs; a filtered ranking ~0.7-1 ms at 100k documents.
 * Per search, alternated (60 / 100 / 200 / 1000): error codes 0.95 / 0.92 / 0.94 / 0.92×,
 * quoted messages 0.95 / 0.95 / 0.96 / 0.98×; Japanese and a user's words 1.0× (their
 * expressions match thousands).
 */
const SPLIT_BELOW = 100

export interface SearchOptions {
  /** What the user typed. */
  q: string
  /** `?locale=`: the locale to answer in (`ja`, `ja-JP`); wins over acceptLanguage. */
  locale?: string | null
  /** The Accept-Language header, used when locale is absent. */
  acceptLanguage?: string | null
  /** Results per page: 1..MAX_LIMIT, default DEFAULT_LIMIT. */
  limit?: number | null
  /** nextCursor of the previous page. */
  cursor?: string | null
  /** Only articles of this in-product scenario id (ms.custom). */
  scenario?: string | null
  /** Only articles for this audience (case-insensitive). */
  audience?: string | null
}

/** The locale block of DESIGN.md, for one article. */
export interface ArticleLocale {
  requested: string | null
  served: string
  fallback: boolean
  available: string[]
}

/**
 * How the article matched: the text as typed, as phrases (`phrase`); every term (`all`);
 * every term once typos were corrected (`corrected`); some of the terms (`any`). Results come
 * in that order; within a kind, the articles found in the first locales (the served one, its
 * language's, en-US) come before those found in other locales only.
 */
export type MatchKind = 'phrase' | 'all' | 'corrected' | 'any'

export interface SearchHit {
  id: string
  /** The title in the served locale. */
  title: string
  /**
   * bm25 relevance (higher is better), comparable within one match kind; not in order there
   * (an article found in other locales only may score higher than one before it).
   */
  score: number
  match: MatchKind
  locale: ArticleLocale
  /** The locale whose text matched best and gave the snippet: the served one when it matched. */
  matchedLocale: string
  /** The locales whose text matched, best first: of the first locales, or of all for an article found in others only. */
  matchedLocales: string[]
  snippet: Snippet
  /** Steps whose text holds a match (in the snippet's translation; step ids are shared by locales). */
  stepIds: string[]
}

export interface Correction {
  /** The word as typed. */
  term: string
  /** Indexed words it was also searched as, nearest first. */
  suggestions: string[]
}

export interface SearchPage {
  results: SearchHit[]
  /** Pass as `cursor` for the next page; null on the last. */
  nextCursor: string | null
  corrections: Correction[]
  /** True when the query was longer than the search takes and was cut. */
  truncated: boolean
}

/** A cursor that this search did not issue, or issued for another query. */
export class SearchCursorError extends Error {
  readonly code = 'invalid-cursor'
  constructor (message = 'the cursor is not valid for this search') {
    super(message)
    this.name = 'SearchCursorError'
  }
}

interface DocMatch { tid: number, locale: string, rank: number }
interface Scope { scenario: string | null, audience: string | null }
interface ArticleRow { articleId: string, rank: number, docs: string }
interface RankedRow { articleId: string, rank: number, docs: DocMatch[] }
interface RankedArticle { articleId: string, rank: number, docs: DocMatch[], match: MatchKind, expression: string }
interface SourceRow { title: string, headings: string, steps: string, callouts: string, body: string }
interface HighlightRow { title: string, headings: string, steps: string, callouts: string, body: string }

/**
 * Answers that hold while the content does: emptied when the revision moves, and when full (a
 * bound, not an LRU: what a search asks again is asked again soon after).
 */
class RevisionMemo<V> {
  private revision = -1
  private readonly map = new Map<string, V>()
  private readonly max: number
  /** What a value weighs against max (default 1: max counts entries). */
  private readonly weigh: (value: V) => number
  private weight = 0

  constructor (max: number, weigh: (value: V) => number = () => 1) {
    this.max = max
    this.weigh = weigh
  }

  get (revision: number, key: string, compute: () => V): V {
    if (revision !== this.revision) {
      this.map.clear()
      this.weight = 0
      this.revision = revision
    }
    let value = this.map.get(key)
    if (value === undefined) {
      value = compute()
      const weight = this.weigh(value)
      // A value heavier than the bound is not kept, and does not empty the memo either
      if (weight <= this.max) {
        if (this.weight + weight > this.max) {
          this.map.clear()
          this.weight = 0
        }
        this.map.set(key, value)
        this.weight += weight
      }
    }
    return value
  }
}

/** Words of the typo vocabulary under one first character, in term order, with their document counts. */
interface VocabularyRange { terms: string[], docs: number[] }

const WEIGHTS = Object.values(COLUMN_WEIGHTS).join(', ')
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u
const LATIN = /\p{Script=Latin}/u

/**
 * What ranks: kb_rank() (bm25 with phrase counts kept per content revision) where the library
 * is built, else SQLite's bm25(). Same scores.
 */
export type RankingFunction = 'kb_rank' | 'bm25'

/** Holds the prepared statements of one database. */
export class ArticleSearch {
  private readonly db: Database
  readonly ranking: RankingFunction
  /** Why bm25() ranks, when kb_rank() was wanted but did not load. */
  readonly rankingNote: string | null
  /** Ranking statements by filter: prepared on first use. */
  private readonly rankedBy = new Map<string, Statement>()
  private readonly locales: Statement
  private readonly title: Statement
  private readonly source: Statement
  private readonly highlight: Statement
  private readonly wordDocs: Statement
  private readonly wordsFrom: Statement
  private readonly quotedTitles: Statement
  private readonly documentCount: Statement
  private readonly allLocales: Statement
  private readonly contentRevision: Statement
  private readonly phraseCount: Statement
  private readonly anyMatch: Statement
  /** The content revision the running search reads: the memos below hold for it. */
  private revision = 0
  /** count(*) of translations scans 100k index entries (~0.5 ms). */
  private readonly documentCounts = new RevisionMemo<number>(1)
  private readonly localeLists = new RevisionMemo<string[]>(1)
  /** fts5vocab counts a word's documents by reading its whole doclist (~0.3 ms for `office`). */
  private readonly wordCounts = new RevisionMemo<number>(MEMO_WORDS)
  /** ~35 rows per article of a page; kept as one array of shared locale strings. */
  private readonly articleLocales = new RevisionMemo<string[]>(MEMO_ARTICLES)
  private readonly localeNames = new Map<string, string>()
  /** The running search's locale, negotiated over every locale of the content. */
  private searchLocale: ArticleLocale | null = null
  /** The running search's negotiation, by an article's locales, for those without its locale. */
  private readonly negotiated = new Map<string, ArticleLocale>()
  private readonly messageSources = new RevisionMemo<string[][]>(MEMO_MESSAGES)
  private readonly vocabulary = new RevisionMemo<VocabularyRange>(MEMO_VOCABULARY_WORDS, (range) => range.terms.length)
  /** A phrase's documents: bm25() reads its whole doclist for this on every ranking. */
  private readonly phraseCounts = new RevisionMemo<number>(MEMO_PHRASES)
  /**
   * A search in one read transaction: its ~25 statements see one revision of the content (an
   * import committing between them cannot give a page rankings of one and titles of another),
   * and SQLite takes its read locks once instead of per statement (3-6% of a search at 100k).
   */
  private readonly snapshot: (options: SearchOptions) => SearchPage
  /** See splitRanking. */
  private readonly splitBelow: number

  constructor (db: Database, options: { ranking?: RankingFunction, splitBelow?: number } = {}) {
    this.db = db
    this.splitBelow = options.splitBelow ?? SPLIT_BELOW
    const loaded = options.ranking === 'bm25' ? null : loadRankFunction(db)
    this.ranking = loaded?.ok === true ? 'kb_rank' : 'bm25'
    this.rankingNote = loaded === null || loaded.ok ? null : loaded.reason
    this.locales = db.prepare('SELECT locale FROM translations WHERE article_id = ? ORDER BY locale').pluck()
    this.title = db.prepare('SELECT title FROM translations WHERE article_id = ? AND locale = ?').pluck()
    this.source = db.prepare('SELECT title, headings, steps, callouts, body FROM search_sources WHERE translation_id = ?')
    const mark = (column: number): string => `highlight(search_docs, ${column}, char(${MARK_OPEN.codePointAt(0)}), char(${MARK_CLOSE.codePointAt(0)}))`
    // CAST: a rowid bound as a JS number (a REAL) next to MATCH is silently ignored by FTS5
    this.highlight = db.prepare(`SELECT ${mark(0)} AS title, ${mark(4)} AS headings, ${mark(5)} AS steps, ${mark(6)} AS callouts, ${mark(7)} AS body
      FROM search_docs WHERE search_docs MATCH ? AND rowid = CAST(? AS INTEGER)`)
    this.wordDocs = db.prepare('SELECT doc FROM search_words_vocab WHERE term = ?').pluck()
    this.documentCount = db.prepare('SELECT count(*) FROM translations').pluck()
    this.allLocales = db.prepare('SELECT DISTINCT locale FROM translations ORDER BY locale').pluck()
    this.contentRevision = db.prepare('SELECT coalesce(max(seq), 0) FROM changes').pluck()
    this.phraseCount = db.prepare('SELECT count(*) FROM search_docs WHERE search_docs MATCH ?').pluck()
    this.anyMatch = db.prepare('SELECT 1 FROM search_docs WHERE search_docs MATCH ? LIMIT 1').pluck()
    this.wordsFrom = db.prepare('SELECT term, doc FROM search_words_vocab WHERE term >= ? AND term < ?')
    this.quotedTitles = db.prepare(`SELECT t.title, s.title AS source
      FROM search_docs JOIN translations t ON t.id = search_docs.rowid
      JOIN translations s ON s.article_id = t.article_id AND s.locale = '${SOURCE_LOCALE}'
      WHERE search_docs MATCH ? AND t.locale <> '${SOURCE_LOCALE}' LIMIT ${MESSAGE_SOURCES}`)
    this.snapshot = db.transaction((options: SearchOptions) => this.searchSnapshot(options))
  }

  search (options: SearchOptions): SearchPage {
    return this.snapshot(options)
  }

  private searchSnapshot (options: SearchOptions): SearchPage {
    const limit = clampLimit(options.limit)
    const scope: Scope = { scenario: options.scenario ?? null, audience: options.audience ?? null }
    this.revision = this.contentRevision.get() as number
    this.negotiated.clear()
    this.searchLocale = articleLocale(this.contentLocales(), options)
    const served = this.searchLocale.served
    // The order of the results depends on the served locale (below): a cursor holds for one
    const fingerprint = fingerprintOf(options.q, scope.scenario, scope.audience, served)
    const offset = options.cursor ? decodeCursor(options.cursor, fingerprint) : 0
    const query = this.withoutCommonStems(analyzeQuery(options.q, languageOf(served)))
    const empty: SearchPage = { results: [], nextCursor: null, corrections: [], truncated: query.truncated }
    if (query.terms.length === 0 || offset >= MAX_OFFSET) return empty

    // The served locale's documents (and its language's: an article not in pt-BR is answered
    // in pt-PT) and en-US's are ranked first: a user's words and the messages they see are in
    // one of them. The others only for articles these do not find (a German message asked from
    // a Japanese page). At 100k documents in ~40 locales, bm25 and the grouping then see a few
    // percent of the documents (`Office`, best 22: 53-100 → 5-14 ms). bm25() also counts the
    // documents of each word by reading its whole doclist, in every locale, on every ranking:
    // kb_rank() is given those counts (documentsWithPhrase), counted once per revision.
    const language = languageOf(served)
    const firstLocales = [...new Set([served, ...this.contentLocales().filter((locale) => languageOf(locale) === language), SOURCE_LOCALE])]
    const otherLocales = this.contentLocales().some((locale) => !firstLocales.includes(locale))
    // One more than the page, to know whether another page follows
    const wanted = offset + limit + 1
    const found: RankedArticle[] = []
    const seen = new Set<string>()
    // A tier whose expression an earlier tier ran finds nothing new (a quoted message plus one
    // word is the same expression as typed and as every word): it is not run again.
    const tried = new Set<string>()
    // Each tier adds the articles the ones before did not find
    const collect = (terms: QueryTerm[], mode: 'all' | 'any' | 'two', match: MatchKind): void => {
      const expression = mode === 'two' ? twoOf(terms) : buildMatchQuery({ terms, asTyped: null, truncated: false }, mode)
      if (found.length >= wanted || expression === '' || tried.has(expression)) return
      tried.add(expression)
      // A term in no document: nothing can match, and nothing is read
      const bound = this.matchBound(terms, mode)
      if (bound === 0) return
      const split = otherLocales ? this.splitRanking(expression, scope, wanted, firstLocales, bound) : null
      // Words found everywhere but never together (a user's words, Japanese pairs) cost both
      // rankings below a walk of their doclists, to find nothing: at 100k documents ~1 ms of a
      // search's ~5. Finding no first document costs one walk without the locale filter; where
      // there is one, it is soon found. (A split ranking has read every match already.)
      if (split === null && this.anyMatch.get(expression) === undefined) return
      const add = (rows: Array<ArticleRow | RankedRow>): void => {
        for (const row of rows) {
          if (seen.has(row.articleId)) continue
          seen.add(row.articleId)
          found.push({ articleId: row.articleId, rank: row.rank, docs: typeof row.docs === 'string' ? docsOf(row.docs) : row.docs, match, expression })
        }
      }
      // Each ranking asks for the whole page: the articles already found come again and are
      // skipped (`seen` holds exactly those), so what is left is what the page still needs
      const first = split?.first ?? this.rankArticles(expression, scope, wanted, firstLocales)
      add(first)
      // Fewer than asked: the first locales found every article they could
      if (first.length < wanted && found.length < wanted && otherLocales) add(split?.all ?? this.rankArticles(expression, scope, wanted, null))
    }

    const translated = this.translatedMessages(query)
    if (translated.asTyped !== null) collect(translated.asTyped, 'all', 'phrase')
    collect(translated.terms, 'all', 'all')
    const corrections = found.length < FUZZY_BELOW ? this.correct(translated) : []
    const terms = corrections.length > 0 ? withCorrections(translated, corrections) : translated.terms
    if (corrections.length > 0) collect(terms, 'all', 'corrected')
    if (terms.length > 1 && found.length < wanted) {
      const some = this.withoutCommonWords(terms)
      // Only common words (or words found nowhere): the articles with two of them or more come
      // first. They answer better than those with one, and there are far fewer to rank.
      if (some.onlyCommon && some.terms.length >= 3 && some.terms.length <= MAX_PAIRED_TERMS) collect(some.terms, 'two', 'any')
      collect(some.terms, 'any', 'any')
    }

    const page = found.slice(offset, offset + limit)
    const results = page.map((article) => this.hit(article, options))
    const more = found.length > offset + limit && offset + limit < MAX_OFFSET
    return {
      results,
      nextCursor: more ? encodeCursor(offset + limit, fingerprint) : null,
      corrections: corrections.map(({ term, suggestions }) => ({ term, suggestions })),
      truncated: query.truncated
    }
  }

  /**
   * The best `articles` articles for a MATCH expression, each ranked by its best matching
   * document in `locales` (null: any). bm25 runs on every matching document (FTS5 cannot stop
   * early), but only the best documents are grouped, in rounds, until enough articles are
   * found: grouping all of them was most of the cost of a common word at 100k documents.
   */
  private rankArticles (expression: string, scope: Scope, articles: number, locales: string[] | null): ArticleRow[] {
    // The tokens of `locales` are ANDed: bm25 then scores only those locales' documents. (No
    // word of a query is a locale token; excluding the column, `-locale : (…)`, cost +20-33%.)
    const match = locales === null ? expression : `(${expression}) AND locale : (${locales.map((locale) => quoted([localeToken(locale)])).join(' OR ')})`
    for (let docs = articles * (locales?.length ?? DOCS_PER_ARTICLE); ; docs *= 8) {
      const rows = this.rankDocuments(match, scope, docs)
      // Fewer documents than asked for: that was all of them
      if (rows.length >= articles || hitsOf(rows) < docs) return rows.slice(0, articles)
    }
  }

  /** The articles of the best `docs` documents for a MATCH expression, best first. */
  private rankDocuments (match: string, scope: Scope, docs: number): Array<ArticleRow & { hits: number }> {
    const counts = this.ranking === 'kb_rank' ? phrasesOf(match).map((phrase) => this.documentsWithPhrase(phrase)).join(' ') : null
    return this.rankedStatement(scope).all({ match, ...scope, docs, ...(counts === null ? {} : { counts }) }) as Array<ArticleRow & { hits: number }>
  }

  /**
   * rankArticles' first-locale and every-locale rankings from one ranking of every matching
   * document, when at most `bound` match and that is at most this.splitBelow: the locale
   * filter's tokens are in every document of those locales, and walking them cost more than an
   * error code's few dozen documents (a first-locale ranking ~1 ms at 100k documents, then
   * often one over every locale, against ~0.4 ms). The same articles in the same order with the
   * same ranks; an article's documents may be more (these are all of them, where rankArticles
   * groups the best few). Null where rankArticles must do it.
   */
  private splitRanking (expression: string, scope: Scope, articles: number, firstLocales: string[], bound: number): { first: RankedRow[], all: RankedRow[] } | null {
    if (bound > this.splitBelow) return null
    const rows = this.rankDocuments(expression, scope, bound + 1)
    // More documents than the bound: it was wrong, and the ranking is not all of them
    if (hitsOf(rows) > bound) return null
    const all = rows.map((row) => ({ articleId: row.articleId, rank: row.rank, docs: docsOf(row.docs) }))
    const inFirst = new Set(firstLocales)
    const first: RankedRow[] = []
    for (const row of all) {
      const docs = row.docs.filter((doc) => inFirst.has(doc.locale))
      if (docs.length > 0) first.push({ articleId: row.articleId, rank: docs[0]!.rank, docs })
    }
    first.sort((a, b) => a.rank - b.rank || byteOrder(a.articleId, b.articleId))
    return { first: first.slice(0, articles), all: all.slice(0, articles) }
  }

  /**
   * At most how many documents the expression collect() builds from `terms` can match,
   * from the phrase counts kb_rank() is given: every term for `all`, any for `any`, any two
   * for `two` (a term matches at most the documents of its spellings together).
   */
  private matchBound (terms: QueryTerm[], mode: 'all' | 'any' | 'two'): number {
    const bounds = terms.map((term) => spellingsOf(term).reduce((sum, spelling) => sum + this.documentsWithPhrase(spelling), 0))
    if (mode === 'all') return Math.min(...bounds)
    if (mode === 'any') return bounds.reduce((sum, n) => sum + n, 0)
    let pairs = 0
    bounds.forEach((a, i) => { for (const b of bounds.slice(i + 1)) pairs += Math.min(a, b) })
    return pairs
  }

  private rankedStatement (scope: Scope): Statement {
    const key = `${scope.audience !== null}${scope.scenario !== null}`
    let statement = this.rankedBy.get(key)
    if (statement === undefined) {
      // Filters go inside, so the best documents are among the articles asked for
      let filters = ''
      if (scope.audience !== null) {
        filters += ' AND rowid IN (SELECT t.id FROM translations t JOIN articles a ON a.id = t.article_id WHERE a.audience = @audience COLLATE NOCASE)'
      }
      if (scope.scenario !== null) {
        filters += ' AND rowid IN (SELECT t.id FROM translations t JOIN article_scenarios s ON s.article_id = t.article_id WHERE s.scenario_id = @scenario)'
      }
      const rank = this.ranking === 'kb_rank' ? `kb_rank(search_docs, @counts, ${WEIGHTS})` : `bm25(search_docs, ${WEIGHTS})`
      // MATERIALIZED keeps SQLite from flattening the CTE into the join, where bm25() cannot run
      statement = this.db.prepare(`
        WITH hits AS MATERIALIZED (
          SELECT rowid AS tid, ${rank} AS rank FROM search_docs
          WHERE search_docs MATCH @match ${filters}
          ORDER BY rank, rowid LIMIT @docs
        )
        SELECT t.article_id AS articleId, min(h.rank) AS rank, count(*) AS hits,
          json_group_array(json_array(h.tid, t.locale, h.rank)) AS docs
        FROM hits h JOIN translations t ON t.id = h.tid
        GROUP BY t.article_id
        ORDER BY rank, t.article_id`)
      this.rankedBy.set(key, statement)
    }
    return statement
  }

  /**
   * The query less the stems of its Latin words that are common (COMMON_WORD_SHARE), or begin
   * common words: `Office` typed on a German page is no inflected word worth the start of every
   * word (`"offic" *` reads the doclists of office, offices, officeclient ... in every locale), and
   * FTS5's English stemmer makes `"installing" *` the start of every `instal…` word (39,259 of
   * 100k documents): such a phrase cost 25-60 ms a search and 2.5 ms a snippet, where the word
   * alone takes 2 and 0.05. A stem's count is the one kb_rank() is given anyway. Other scripts
   * are written in few locales, and FTS5 does not stem them: their stems stay.
   */
  private withoutCommonStems (query: AnalyzedQuery): AnalyzedQuery {
    const limit = Math.max(COMMON_WORD_MIN_DOCS, this.documents() * COMMON_WORD_SHARE)
    const rare = (term: QueryTerm): QueryTerm => {
      if (term.stems === undefined || !LATIN.test(term.tokens[0]!)) return term
      const stems = this.documentsWith(foldWord(term.tokens[0]!)) > limit ? [] : term.stems.filter((stem) => this.documentsWithPhrase(`${quoted([stem])} *`) <= limit)
      if (stems.length === term.stems.length) return term
      return stems.length > 0 ? { ...term, stems } : { kind: term.kind, tokens: term.tokens, alternatives: term.alternatives }
    }
    return { ...query, terms: query.terms.map(rare) }
  }

  /**
   * The terms less their common words (see COMMON_WORD_SHARE), when a rarer term that is found
   * somewhere remains to stand for them (a code, a phrase, a rare word); else all of them, and
   * onlyCommon says so.
   */
  private withoutCommonWords (terms: QueryTerm[]): { terms: QueryTerm[], onlyCommon: boolean } {
    const limit = Math.max(COMMON_WORD_MIN_DOCS, this.documents() * COMMON_WORD_SHARE)
    // Codes, phrases and corrected words are never left out; -1: not counted
    const docs = terms.map((term) => term.kind === 'word' && term.alternatives.length === 0 ? this.documentsWith(foldWord(term.tokens[0]!)) : -1)
    if (!docs.some((n) => n === -1 || (n > 0 && n <= limit))) return { terms, onlyCommon: true }
    return { terms: terms.filter((_, i) => docs[i]! <= limit), onlyCommon: false }
  }

  private documents (): number {
    return this.documentCounts.get(this.revision, '', () => this.documentCount.get() as number)
  }

  /** Every locale of the content, sorted. */
  private contentLocales (): string[] {
    return this.localeLists.get(this.revision, '', () => this.allLocales.all() as string[])
  }

  /**
   * How many documents hold a word (folded, as written). Long words (pasted junk, URLs) are
   * counted but not kept: the memo's bound is in entries, and they would fill it with bytes.
   */
  private documentsWith (word: string): number {
    const count = (): number => (this.wordDocs.get(word) as number | undefined) ?? 0
    return word.length > MEMO_WORD_LENGTH ? count() : this.wordCounts.get(this.revision, word, count)
  }

  /** How many documents hold a phrase of a MATCH expression (a quoted string), as bm25() counts them. */
  private documentsWithPhrase (phrase: string): number {
    const count = (): number => this.phraseCount.get(phrase) as number
    return phrase.length > MEMO_PHRASE_LENGTH ? count() : this.phraseCounts.get(this.revision, phrase, count)
  }

  /** The typo vocabulary's words that start with a character (one code point). */
  private wordsStartingWith (first: string): VocabularyRange {
    return this.vocabulary.get(this.revision, first, () => {
      const range: VocabularyRange = { terms: [], docs: [] }
      const next = String.fromCodePoint(first.codePointAt(0)! + 1)
      for (const row of this.wordsFrom.iterate(first, next) as Iterable<{ term: string, doc: number }>) {
        range.terms.push(row.term)
        range.docs.push(row.doc)
      }
      return range
    })
  }

  /** The locales an article is in, sorted. */
  private localesOf (articleId: string): string[] {
    return this.articleLocales.get(this.revision, articleId, () => (this.locales.all(articleId) as string[]).map((name) => {
      let shared = this.localeNames.get(name)
      if (shared === undefined && this.localeNames.size < 1000) this.localeNames.set(name, shared = name)
      return shared ?? name
    }))
  }

  /** articleLocale for an article of the running search; once per list of locales without the served one. */
  private negotiatedFor (available: string[], options: SearchOptions): ArticleLocale {
    const locale = localeWithin(this.searchLocale!, available)
    if (locale !== null) return locale
    const key = available.join(' ')
    let negotiated = this.negotiated.get(key)
    if (negotiated === undefined) this.negotiated.set(key, negotiated = articleLocale(available, options))
    return negotiated
  }

  /** One article of the page: served title, snippet and steps. */
  private hit (article: RankedArticle, options: SearchOptions): SearchHit {
    const locale = this.negotiatedFor(this.localesOf(article.articleId), options)
    const title = this.title.get(article.articleId, locale.served) as string | undefined
    // The served locale's text gives the snippet when it holds a match; a document can match
    // through its article id alone (keywords), and then the best other one shows the words
    const servedDoc = article.docs.find((d) => d.locale === locale.served)
    const candidates = servedDoc ? [servedDoc, ...article.docs.filter((d) => d !== servedDoc)] : article.docs
    let chosen: { doc: DocMatch, snippet: Snippet, stepIds: string[] } | null = null
    for (const doc of candidates.slice(0, SNIPPET_TRIES)) {
      const found = { doc, ...this.snippetOf(doc, article.expression) }
      chosen ??= found
      if (found.snippet.highlights.length > 0) {
        chosen = found
        break
      }
    }
    const { doc, snippet, stepIds } = chosen!
    return {
      id: article.articleId,
      title: title ?? '',
      score: Math.round(-article.rank * 1e4) / 1e4,
      match: article.match,
      locale,
      matchedLocale: doc.locale,
      matchedLocales: [...new Set(article.docs.map((d) => d.locale))],
      snippet,
      stepIds
    }
  }

  private snippetOf (doc: DocMatch, expression: string): { snippet: Snippet, stepIds: string[] } {
    const source = this.source.get(doc.tid) as SourceRow | undefined
    const marked = this.highlight.get(expression, doc.tid) as HighlightRow | undefined
    if (source === undefined) return { snippet: buildSnippet(doc.locale, []), stepIds: [] }
    const steps = JSON.parse(source.steps) as Array<[string, string]>
    const sources: SnippetSource[] = [
      { text: steps.map(([, text]) => text).join('\n'), highlighted: marked?.steps, priority: 4 },
      { text: source.body, highlighted: marked?.body, priority: 5 },
      { text: source.callouts, highlighted: marked?.callouts, priority: 3 },
      { text: source.headings, highlighted: marked?.headings, priority: 2 },
      { text: source.title, highlighted: marked?.title, priority: 1 }
    ]
    // The steps column holds one step per line
    const stepIds = markedLines(marked?.steps).map((line) => steps[line]?.[0]).filter((id) => id !== undefined)
    return { snippet: buildSnippet(doc.locale, sources), stepIds }
  }

  /**
   * Quoted phrases also searched as the messages they translate. Titles are translated sentence
   * for sentence, so the message a localized title quotes is the translation of the one quoted
   * at the same place in the en-US title ("ライセンスのない製品" ↔ "Unlicensed Product"): a pasted
   * message then also finds the articles that give it in English only.
   */
  private translatedMessages (query: AnalyzedQuery): AnalyzedQuery {
    const translate = (term: QueryTerm): QueryTerm => {
      if (term.kind !== 'phrase') return term
      const key = term.tokens.map(foldWord).join(' ')
      const sources = this.messageSources.get(this.revision, key, () => {
        const found = new Set<string>()
        for (const row of this.quotedTitles.all(`messages : ${quoted(term.tokens)}`) as Array<{ title: string, source: string }>) {
          const here = extractQuotedMessages(row.title)
          const there = extractQuotedMessages(row.source)
          if (here.length !== there.length) continue
          here.forEach((message, i) => { if (wordsOf(message).map(foldWord).join(' ') === key) found.add(there[i]!) })
        }
        return [...found].slice(0, MAX_TRANSLATIONS).map(wordsOf).filter((words) => words.length > 0)
      })
      return sources.length > 0 ? { ...term, alternatives: [...term.alternatives, ...sources] } : term
    }
    return { ...query, terms: query.terms.map(translate), asTyped: query.asTyped?.map(translate) ?? null }
  }

  /**
   * Near indexed words for the rare words of the query: same first character, within one edit
   * (two for words of six or more characters), commonest first.
   */
  private correct (query: AnalyzedQuery): Array<Correction & { index: number }> {
    const out: Array<Correction & { index: number }> = []
    query.terms.forEach((term, index) => {
      if (term.kind !== 'word' || isStopword(term.tokens[0]!)) return
      const word = foldWord(term.tokens[0]!)
      const chars = Array.from(word)
      if (chars.length < (CJK.test(word) ? 3 : 4) || /^\p{N}+$/u.test(word)) return
      // FTS5 splits a word at its combining marks (Thai vowels and tones): never a word of the
      // vocabulary whole, such a word would always look misspelled. So would a Korean, Hebrew or
      // Arabic word without the particle or the letters the text writes onto it (its stems find those).
      if (/\p{M}/u.test(word) || /[\p{Script=Hangul}\p{Script=Hebrew}\p{Script=Arabic}]/u.test(word)) return
      const docs = this.documentsWith(word)
      if (docs >= RARE_WORD_DOCS) return
      const max = chars.length >= 6 ? 2 : 1
      const vocabulary = this.wordsStartingWith(chars[0]!)
      const near: Array<{ term: string, distance: number, docs: number }> = []
      vocabulary.terms.forEach((candidate, i) => {
        const candidateDocs = vocabulary.docs[i]!
        if (candidate === word || candidateDocs <= docs) return
        const distance = boundedDistance(word, candidate, max)
        if (distance <= max) near.push({ term: candidate, distance, docs: candidateDocs })
      })
      near.sort((a, b) => a.distance - b.distance || b.docs - a.docs || (a.term < b.term ? -1 : 1))
      const best = near.slice(0, MAX_CORRECTIONS)
      if (best.length > 0) out.push({ index, term: term.tokens[0]!, suggestions: best.map((n) => n.term) })
    })
    return out
  }
}

/** A MATCH expression for documents holding at least two of the terms: every pair, ORed. */
function twoOf (terms: QueryTerm[]): string {
  const pairs: string[] = []
  terms.forEach((a, i) => {
    for (const b of terms.slice(i + 1)) pairs.push(`(${buildMatchQuery({ terms: [a, b], asTyped: null, truncated: false }, 'all')})`)
  })
  return pairs.join(' OR ')
}

function withCorrections (query: AnalyzedQuery, corrections: Array<Correction & { index: number }>): QueryTerm[] {
  return query.terms.map((term, i) => {
    const correction = corrections.find((c) => c.index === i)
    return correction ? { ...term, alternatives: [...term.alternatives, ...correction.suggestions.map((s) => [s])] } : term
  })
}

function hitsOf (rows: Array<{ hits: number }>): number {
  return rows.reduce((sum, row) => sum + row.hits, 0)
}

/** SQLite's order of two texts (BINARY: their UTF-8 bytes), which `<` is not past U+FFFF. */
function byteOrder (a: string, b: string): number {
  return a === b ? 0 : Buffer.compare(Buffer.from(a), Buffer.from(b))
}

function docsOf (json: string): DocMatch[] {
  return (JSON.parse(json) as Array<[number, string, number]>)
    .map(([tid, locale, rank]) => ({ tid, locale, rank }))
    .sort((a, b) => a.rank - b.rank || (a.locale < b.locale ? -1 : 1))
}

/**
 * articleLocale(available, options) for one article's locales, from the search's negotiation
 * over every locale of the content, when the article has the locale served: then nothing the
 * request prefers to it is in the article either (it would have been in the content), so
 * negotiating again serves it too, as the same kind of match. Null when it has not.
 * test/search/article-locale.test.ts holds the two equal over generated requests.
 */
export function localeWithin (search: ArticleLocale, available: string[]): ArticleLocale | null {
  if (!available.includes(search.served)) return null
  return { requested: search.requested, served: search.served, fallback: search.fallback, available: [...available].sort() }
}

export function articleLocale (available: string[], options: SearchOptions): ArticleLocale {
  const negotiated = negotiateLocale({ query: options.locale ?? undefined, acceptLanguage: options.acceptLanguage ?? undefined, available })
  if (negotiated.ok) return { requested: negotiated.requested, served: negotiated.served, fallback: negotiated.fallback, available: negotiated.available }
  // A malformed locale is the route's 400 to give; here it only means "none asked for"
  const fallback = negotiateLocale({ acceptLanguage: options.acceptLanguage ?? undefined, available })
  if (fallback.ok) return { requested: fallback.requested, served: fallback.served, fallback: fallback.fallback, available: fallback.available }
  return { requested: null, served: available[0] ?? 'en-US', fallback: true, available }
}

function clampLimit (limit: number | null | undefined): number {
  if (limit === undefined || limit === null || !Number.isFinite(limit)) return DEFAULT_LIMIT
  return Math.min(MAX_LIMIT, Math.max(1, Math.trunc(limit)))
}

// The cursor carries the offset and a fingerprint of the query and the served locale, so a
// cursor pasted into another search fails loudly instead of paging something else.
function fingerprintOf (q: string, scenario: string | null, audience: string | null, served: string): string {
  return createHash('sha256').update(JSON.stringify([q, scenario, audience?.toLowerCase() ?? null, served])).digest('base64url').slice(0, 10)
}

function encodeCursor (offset: number, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ o: offset, f: fingerprint })).toString('base64url')
}

/** The offset a cursor stands for; throws SearchCursorError for anything else. */
export function decodeCursor (cursor: string, fingerprint?: string): number {
  let value: unknown
  try {
    if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url')
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw new SearchCursorError()
  }
  const { o, f } = (value ?? {}) as { o?: unknown, f?: unknown }
  if (typeof o !== 'number' || !Number.isInteger(o) || o < 0 || o > MAX_OFFSET) throw new SearchCursorError()
  if (fingerprint !== undefined && f !== fingerprint) throw new SearchCursorError()
  return o
}

const searches = new WeakMap<Database, ArticleSearch>()

/**
 * Searches the articles: the entry point for `GET /v1/search`. Throws SearchCursorError for a
 * cursor it did not issue for this query; any other input gives a page (empty for an empty q).
 */
export function searchArticles (db: Database, options: SearchOptions): SearchPage {
  let search = searches.get(db)
  if (search === undefined) {
    search = new ArticleSearch(db)
    searches.set(db, search)
  }
  return search.search(options)
}
