/*
** kb_rank(): FTS5's bm25() with the documents of each phrase counted by the caller.
**
**   kb_rank(search_docs, counts, w0, w1, ...)
**
** `counts` is a text of space-separated integers, one per phrase of the MATCH expression in
** FTS5's order (the order the phrases are written in): how many documents hold that phrase.
** The weights are bm25()'s, one per column. The score is bm25()'s to the last bit.
**
** Why: on the first row of every query bm25() counts the documents of each phrase by reading
** its whole doclist. For a common word at 100k documents that is most of a ranking's cost, and
** it is paid again on every ranking of every search. The caller counts a phrase once per
** content revision and passes the counts. If `counts` is NULL, malformed or has another number
** of entries than the expression has phrases, every phrase is counted as bm25() does: the
** score is still right, only slower.
**
** It also keeps each document's length per connection (SizeMemo below), where bm25() reads it
** from the table's docsize rows for every document it ranks.
**
** Built as a loadable SQLite extension by scripts/build-rank.mjs against the SQLite headers
** better-sqlite3 compiles; loaded per connection by src/search/rank-function.ts.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

/*
** Each document's length in tokens, kept per connection. bm25() reads it with xColumnSize(),
** a lookup in search_docs_docsize for every document ranked: ~70% of ranking one document at
** 100k documents (0.55 against 0.17 us). Kept while the database is as it was when they were
** read: the same data version (another connection's commit or this one's changes it), the
** same changes by this connection (an uncommitted write), and the same number of rows and
** tokens in the table. Open addressing on the rowid; at most MEMO_MAX_SLOTS slots (12 bytes
** each), and when those are full a document's length is read as before.
*/
#define MEMO_FIRST_SLOTS 4096
#define MEMO_MAX_SLOTS (1 << 19)

typedef struct SizeMemo {
  sqlite3 *db;
  unsigned int dataVersion;
  sqlite3_int64 changes;
  sqlite3_int64 nRow;
  sqlite3_int64 nToken;
  int nSlot;              /* a power of two, or 0 */
  int nUsed;
  sqlite3_int64 *aRowid;
  int *aSize;             /* -1: an empty slot */
} SizeMemo;

static void memoFree(void *p) {
  SizeMemo *m = (SizeMemo *)p;
  if (m == 0) return;
  sqlite3_free(m->aRowid);
  sqlite3_free(m->aSize);
  sqlite3_free(m);
}

static void memoClear(SizeMemo *m) {
  if (m->nSlot > 0) memset(m->aSize, 0xff, sizeof(int) * (size_t)m->nSlot);
  m->nUsed = 0;
}

/* Forgets every length if the database is not as it was when they were kept. */
static void memoCheck(SizeMemo *m, sqlite3_int64 nRow, sqlite3_int64 nToken) {
  unsigned int version = 0;
  sqlite3_int64 changes = sqlite3_total_changes64(m->db);
  if (sqlite3_file_control(m->db, "main", SQLITE_FCNTL_DATA_VERSION, &version) != SQLITE_OK) version = m->dataVersion + 1;
  if (version == m->dataVersion && changes == m->changes && nRow == m->nRow && nToken == m->nToken) return;
  memoClear(m);
  m->dataVersion = version;
  m->changes = changes;
  m->nRow = nRow;
  m->nToken = nToken;
}

static unsigned int memoSlot(const SizeMemo *m, sqlite3_int64 rowid) {
  sqlite3_uint64 h = (sqlite3_uint64)rowid * 0x9E3779B97F4A7C15ull;
  return (unsigned int)(h >> 32) & (unsigned int)(m->nSlot - 1);
}

/* The length kept for a rowid, or -1. */
static int memoGet(const SizeMemo *m, sqlite3_int64 rowid) {
  if (m->nSlot == 0) return -1;
  for (unsigned int i = memoSlot(m, rowid);; i = (i + 1) & (unsigned int)(m->nSlot - 1)) {
    if (m->aSize[i] < 0) return -1;
    if (m->aRowid[i] == rowid) return m->aSize[i];
  }
}

static void memoPutSlot(SizeMemo *m, sqlite3_int64 rowid, int size) {
  unsigned int i = memoSlot(m, rowid);
  while (m->aSize[i] >= 0 && m->aRowid[i] != rowid) i = (i + 1) & (unsigned int)(m->nSlot - 1);
  if (m->aSize[i] < 0) m->nUsed++;
  m->aRowid[i] = rowid;
  m->aSize[i] = size;
}

/* Keeps a length, growing the table up to three quarters full; nothing when it cannot. */
static void memoPut(SizeMemo *m, sqlite3_int64 rowid, int size) {
  if (size < 0) return;
  if ((m->nUsed + 1) * 4 > m->nSlot * 3) {
    int nSlot = m->nSlot == 0 ? MEMO_FIRST_SLOTS : m->nSlot * 2;
    if (nSlot > MEMO_MAX_SLOTS) return;
    sqlite3_int64 *aRowid = (sqlite3_int64 *)sqlite3_malloc64(sizeof(sqlite3_int64) * (sqlite3_uint64)nSlot);
    int *aSize = (int *)sqlite3_malloc64(sizeof(int) * (sqlite3_uint64)nSlot);
    if (aRowid == 0 || aSize == 0) {
      sqlite3_free(aRowid);
      sqlite3_free(aSize);
      return;
    }
    SizeMemo old = *m;
    m->aRowid = aRowid;
    m->aSize = aSize;
    m->nSlot = nSlot;
    memoClear(m);
    for (int i = 0; i < old.nSlot; i++) if (old.aSize[i] >= 0) memoPutSlot(m, old.aRowid[i], old.aSize[i]);
    sqlite3_free(old.aRowid);
    sqlite3_free(old.aSize);
  }
  memoPutSlot(m, rowid, size);
}

/* Values computed once per query and kept as the query's auxiliary data. */
typedef struct RankData {
  int nPhrase;
  double avgdl;   /* average number of tokens in a row */
  double *aIDF;   /* one per phrase */
  double *aFreq;  /* one per phrase: weighted hits in the current row */
} RankData;

static int countCallback(const Fts5ExtensionApi *pApi, Fts5Context *pFts, void *pUserData) {
  (void)pApi; (void)pFts;
  (*(sqlite3_int64 *)pUserData)++;
  return SQLITE_OK;
}

/* Reads `nPhrase` non-negative integers from `z`; 1 only if there are exactly that many. */
static int parseCounts(const char *z, int nPhrase, sqlite3_int64 *aCount) {
  int i = 0;
  if (z == 0) return 0;
  for (;;) {
    while (*z == ' ') z++;
    if (*z == 0) break;
    if (*z < '0' || *z > '9' || i == nPhrase) return 0;
    sqlite3_int64 n = 0;
    while (*z >= '0' && *z <= '9') {
      if (n > (sqlite3_int64)1e15) return 0;
      n = n * 10 + (*z - '0');
      z++;
    }
    if (*z != ' ' && *z != 0) return 0;
    aCount[i++] = n;
  }
  return i == nPhrase;
}

static int rankData(const Fts5ExtensionApi *pApi, Fts5Context *pFts, sqlite3_value *pCounts, RankData **ppData) {
  int rc = SQLITE_OK;
  RankData *p = (RankData *)pApi->xGetAuxdata(pFts, 0);
  if (p == 0) {
    int nPhrase = pApi->xPhraseCount(pFts);
    sqlite3_int64 nRow = 0;
    sqlite3_int64 nToken = 0;
    sqlite3_int64 *aCount = 0;
    int counted = 0;
    p = (RankData *)sqlite3_malloc64(sizeof(RankData) + (sqlite3_int64)nPhrase * 2 * sizeof(double));
    aCount = (sqlite3_int64 *)sqlite3_malloc64((sqlite3_int64)(nPhrase > 0 ? nPhrase : 1) * sizeof(sqlite3_int64));
    if (p == 0 || aCount == 0) rc = SQLITE_NOMEM;
    if (rc == SQLITE_OK) {
      memset(p, 0, sizeof(RankData) + (size_t)nPhrase * 2 * sizeof(double));
      p->nPhrase = nPhrase;
      p->aIDF = (double *)&p[1];
      p->aFreq = &p->aIDF[nPhrase];
      rc = pApi->xRowCount(pFts, &nRow);
    }
    if (rc == SQLITE_OK) rc = pApi->xColumnTotalSize(pFts, -1, &nToken);
    if (rc == SQLITE_OK) {
      memoCheck((SizeMemo *)pApi->xUserData(pFts), nRow, nToken);
      p->avgdl = (double)nToken / (double)nRow;
      counted = pCounts != 0 && sqlite3_value_type(pCounts) == SQLITE_TEXT
        && parseCounts((const char *)sqlite3_value_text(pCounts), nPhrase, aCount);
    }
    for (int i = 0; rc == SQLITE_OK && i < nPhrase; i++) {
      sqlite3_int64 nHit = 0;
      if (counted) nHit = aCount[i];
      else rc = pApi->xQueryPhrase(pFts, i, (void *)&nHit, countCallback);
      if (rc == SQLITE_OK) {
        /* bm25()'s IDF, and its floor for a phrase in over half the rows */
        double idf = log(((double)nRow - (double)nHit + 0.5) / ((double)nHit + 0.5));
        if (idf <= 0.0) idf = 1e-6;
        p->aIDF[i] = idf;
      }
    }
    sqlite3_free(aCount);
    if (rc == SQLITE_OK) rc = pApi->xSetAuxdata(pFts, p, sqlite3_free);
    else sqlite3_free(p);
    if (rc != SQLITE_OK) p = 0;
  }
  *ppData = p;
  return rc;
}

static void kbRankFunction(const Fts5ExtensionApi *pApi, Fts5Context *pFts, sqlite3_context *pCtx, int nVal, sqlite3_value **apVal) {
  const double k1 = 1.2;
  const double b = 0.75;
  RankData *pData = 0;
  int nInst = 0;
  double score = 0.0;
  int rc = rankData(pApi, pFts, nVal > 0 ? apVal[0] : 0, &pData);
  if (rc == SQLITE_OK) {
    memset(pData->aFreq, 0, sizeof(double) * (size_t)pData->nPhrase);
    rc = pApi->xInstCount(pFts, &nInst);
  }
  for (int i = 0; rc == SQLITE_OK && i < nInst; i++) {
    int iPhrase, iCol, iOffset;
    rc = pApi->xInst(pFts, i, &iPhrase, &iCol, &iOffset);
    if (rc == SQLITE_OK) pData->aFreq[iPhrase] += (nVal > iCol + 1) ? sqlite3_value_double(apVal[iCol + 1]) : 1.0;
  }
  double D = 0.0;
  if (rc == SQLITE_OK) {
    SizeMemo *memo = (SizeMemo *)pApi->xUserData(pFts);
    sqlite3_int64 rowid = pApi->xRowid(pFts);
    int nTok = memoGet(memo, rowid);
    if (nTok < 0) {
      rc = pApi->xColumnSize(pFts, -1, &nTok);
      if (rc == SQLITE_OK) memoPut(memo, rowid, nTok);
    }
    D = (double)nTok;
  }
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(pCtx, rc);
    return;
  }
  for (int i = 0; i < pData->nPhrase; i++) {
    double f = pData->aFreq[i];
    score += pData->aIDF[i] * ((f * (k1 + 1.0)) / (f + k1 * (1 - b + b * D / pData->avgdl)));
  }
  sqlite3_result_double(pCtx, -1.0 * score);
}

/* The FTS5 API of a connection, as its documentation says to obtain it. */
static fts5_api *fts5Api(sqlite3 *db) {
  fts5_api *pRet = 0;
  sqlite3_stmt *pStmt = 0;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &pStmt, 0) == SQLITE_OK) {
    sqlite3_bind_pointer(pStmt, 1, (void *)&pRet, "fts5_api_ptr", 0);
    sqlite3_step(pStmt);
  }
  sqlite3_finalize(pStmt);
  return pRet;
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_kbrank_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
  SQLITE_EXTENSION_INIT2(pApi);
  fts5_api *fts5 = fts5Api(db);
  if (fts5 == 0 || fts5->iVersion < 2) {
    if (pzErrMsg) *pzErrMsg = sqlite3_mprintf("kb_rank: this SQLite has no FTS5 API");
    return SQLITE_ERROR;
  }
  SizeMemo *memo = (SizeMemo *)sqlite3_malloc64(sizeof(SizeMemo));
  if (memo == 0) return SQLITE_NOMEM;
  memset(memo, 0, sizeof(SizeMemo));
  memo->db = db;
  memo->nRow = -1;
  int rc = fts5->xCreateFunction(fts5, "kb_rank", memo, kbRankFunction, memoFree);
  /* FTS5 frees the memo with the connection, but not when it could not take it */
  if (rc != SQLITE_OK) memoFree(memo);
  return rc;
}
