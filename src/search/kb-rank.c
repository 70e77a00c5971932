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
** Built as a loadable SQLite extension by scripts/build-rank.mjs against the SQLite headers
** better-sqlite3 compiles; loaded per connection by src/search/rank-function.ts.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

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
    int nTok = 0;
    rc = pApi->xColumnSize(pFts, -1, &nTok);
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
  return fts5->xCreateFunction(fts5, "kb_rank", 0, kbRankFunction, 0);
}
