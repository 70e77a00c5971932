// Search text analysis: normalization and its offset map, error codes, quoted messages and the
// MATCH expression built from user input.
import t from 'tap'
import fc from 'fast-check'
import {
  alignNormalized, analyzeQuery, buildMatchQuery, extractErrorCodes, extractQuotedMessages, foldWord, koreanStem, MAX_QUERY_STEMS, MAX_QUERY_TERMS, stemsOf, withAttachedWords,
  nfkc, NFKC_STABLE, normalizeForIndex, normalizeText
} from '../../src/search/analyze.ts'
import { boundedDistance } from '../../src/search/edit-distance.ts'

t.test('normalizeText: NFKC', async (t) => {
  t.equal(normalizeForIndex('０ｘ８００４ＤＥ４０'), '0x8004DE40', 'full-width code')
  t.equal(normalizeForIndex('ﾗｲｾﾝｽ'), 'ライセンス', 'half-width kana')
  t.equal(normalizeForIndex('ｶﾞｲﾄﾞ'), 'ガイド', 'half-width voiced marks compose')
  t.equal(normalizeForIndex('cafe\u0301'), 'café', 'combining accent composes')
  t.equal(normalizeForIndex('Off\u00adice\u200b'), 'Office', 'soft hyphen and zero-width space vanish')
  t.equal(normalizeForIndex('a\u0000b\u0002c\u0003d'), 'a b c d', 'controls become spaces')
  t.equal(normalizeForIndex('one\ntwo'), 'one\ntwo', 'line breaks stay')
  t.equal(normalizeForIndex('plain ASCII text'), 'plain ASCII text')
})

t.test('normalizeText: Japanese and Chinese are split into words', async (t) => {
  t.equal(normalizeForIndex('ライセンスのない製品'), 'ライセンス の ない 製品')
  t.equal(normalizeForIndex('Microsoft 365アプリ'), 'Microsoft 365 アプリ', 'Latin glued to kana is split')
  t.equal(normalizeForIndex('無法激活 Office'), '無法 激活 Office')
  t.equal(normalizeForIndex('ウィンドウ'), 'ウィンドウ')
})

t.test('normalizeText: Thai, Lao, Khmer and Burmese are split into words too', async (t) => {
  t.equal(normalizeForIndex('ปฏิทินไม่ซิงค์กับโทรศัพท์'), 'ปฏิทิน ไม่ ซิงค์ กับ โทรศัพท์', 'Thai')
  t.equal(normalizeForIndex('ซิงค์ปฏิทินกับOutlookบนเว็บ'), 'ซิงค์ ปฏิทิน กับ Outlook บน เว็บ', 'a Latin word glued to Thai is its own word')
  t.equal(normalizeForIndex('ຂໍ້ຜິດພາດ'), 'ຂໍ້ ຜິດພາດ', 'Lao')
  t.equal(normalizeForIndex('ဆာဗာ'), 'ဆာ ဗာ', 'Burmese')
  t.equal(normalizeForIndex('កំហុស Office'), 'កំហុស Office', 'Khmer: one word stays one')
  t.equal(normalizeForIndex('메일박스가 가득 찼습니다'), '메일박스가 가득 찼습니다', 'Korean has its spaces: unchanged')
  const n = normalizeText('ข้อผิดพลาดนี้', true)
  const word = n.text.indexOf('พลาด')
  t.equal('ข้อผิดพลาดนี้'.slice(n.from![word]!, n.to![word + 3]!), 'พลาด', 'the map points a Thai word back into the input')
})

t.test('normalizeText: the map points each unit back into the input', async (t) => {
  for (const input of ['ﾗｲｾﾝｽのない製品 ０ｘ８００４ＤＥ４０', 'Microsoft 365アプリの（問題）', 'plain', 'cafe\u0301 x\u200by', '😀 emoji ライセンス', 'ปฏิทินไม่ซิงค์ Outlook']) {
    const n = normalizeText(input, true)
    t.ok(n.from && n.to, 'maps given')
    t.equal(n.from!.length, n.text.length)
    for (let i = 0; i < n.text.length; i++) {
      t.ok(n.from![i]! <= n.to![i]! && n.to![i]! <= input.length, `unit ${i} of ${JSON.stringify(input)} in range`)
    }
    // Words of the normalized text map to the input text they came from
    const word = /ライセンス/.exec(n.text)
    if (word) t.equal(input.slice(n.from![word.index]!, n.to![word.index + word[0].length - 1]!).normalize('NFKC'), 'ライセンス')
  }
  t.equal(normalizeText('abc').from, null, 'no map unless asked')
})

t.test('extractErrorCodes: every form, any case', async (t) => {
  t.same(extractErrorCodes('error 0x8004DE40 and 0xc004b100'), ['0x8004de40', '0xc004b100'])
  t.same(extractErrorCodes('AADSTS50076: sign-in'), ['aadsts50076'])
  t.same(extractErrorCodes('rejected: 550 5.7.501 Service unavailable'), ['550 5 7 501', '5 7 501'])
  t.same(extractErrorCodes('code 5.7.23.'), ['5 7 23'])
  t.same(extractErrorCodes('Error 30068-39 when installing'), ['30068 39'])
  t.same(extractErrorCodes('０ｘＤ００００００Ｃ'), ['0xd000000c'], 'full-width')
  t.same(extractErrorCodes('TLS 1.2, version 16.0.7967, on 2021-06-07, build 1903'), [], 'versions, dates and numbers are not codes')
  t.same(extractErrorCodes('abc0x12 x30068-39x'), [], 'not inside words')
})

t.test('extractQuotedMessages', async (t) => {
  t.same(extractQuotedMessages('see "Unlicensed Product" or “Product deactivated” and 「ライセンスのない製品」, „Nicht lizenziert“'),
    ['Unlicensed Product', 'Product deactivated', 'ライセンスのない製品', 'Nicht lizenziert'])
  t.same(extractQuotedMessages('a "b" c'), [], 'too short to be a message')
})

t.test('buildMatchQuery: words, phrases and codes', async (t) => {
  t.equal(buildMatchQuery('Unlicensed Product'), '"Unlicensed" AND "Product"')
  t.equal(buildMatchQuery('Unlicensed Product', 'any'), '"Unlicensed" OR "Product"')
  t.equal(buildMatchQuery('"Unlicensed Product" error'), '"Unlicensed Product" AND "error"')
  t.equal(buildMatchQuery('“Unlicensed Product”'), '"Unlicensed Product"', 'typographic quotes')
  t.equal(buildMatchQuery('0x8004de40'), '"0x8004de40"')
  t.equal(buildMatchQuery('8004de40'), '("8004de40" OR "0x8004de40")', 'bare HRESULT also as 0x…')
  t.equal(buildMatchQuery('550 5.7.501'), '("550 5 7 501" OR "550")', 'SMTP code as a phrase, its reply code as a fallback')
  t.equal(buildMatchQuery('error 30068-39'), '("30068 39" OR "30068") AND "error"', 'codes first')
  t.equal(buildMatchQuery('ライセンスのない製品'), '"ライセンス" AND "製品"', 'particles dropped when words remain')
  t.equal(buildMatchQuery('how to activate'), '"activate"', 'stopwords dropped')
  t.equal(buildMatchQuery('the'), '"the"', 'a stopword alone stays')
})

t.test('buildMatchQuery: FTS5 syntax is plain text', async (t) => {
  t.equal(buildMatchQuery('NEAR(office license, 5)'), '"NEAR" AND "office" AND "license" AND "5"')
  t.equal(buildMatchQuery('office* -license NOT title:x ^y'), '"office" AND "license" AND "NOT" AND "title" AND "x" AND "y"')
  t.equal(buildMatchQuery('"unclosed quote'), '"unclosed" AND "quote"')
  t.equal(buildMatchQuery('a "" b'), '"b"')
  for (const empty of ['', '   ', '""', '"-"', '***', '()', '\u0000\u0001', '- -']) t.equal(buildMatchQuery(empty), '', `${JSON.stringify(empty)} is no query`)
})

t.test('analyzeQuery: bounded', async (t) => {
  const long = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ')
  const q = analyzeQuery(long)
  t.ok(q.truncated)
  t.equal(q.terms.length, MAX_QUERY_TERMS)
  const huge = analyzeQuery('😀'.repeat(5000))
  t.ok(huge.truncated)
  t.equal(analyzeQuery('short').truncated, false)
})

t.test('analyzeQuery: text as typed becomes phrases', async (t) => {
  const q = analyzeQuery('組織内の別のアカウント 0x8004de40 is signed in')
  t.same(q.asTyped?.map((term) => term.tokens.join(' ')), ['0x8004de40', '組織 内 の 別 の アカウント', 'is signed in'])
  t.equal(analyzeQuery('license').asTyped, null, 'one word is no phrase')
})

t.test('foldWord folds like unicode61 remove_diacritics', async (t) => {
  t.equal(foldWord('Lösung'), 'losung')
  t.equal(foldWord('ガイド'), 'ガイド', 'kana keep their voicing marks')
})

t.test('boundedDistance', async (t) => {
  t.equal(boundedDistance('licence', 'license', 2), 1)
  t.equal(boundedDistance('actvate', 'activate', 2), 1)
  t.equal(boundedDistance('teh', 'the', 2), 1, 'a transposition is one edit')
  t.equal(boundedDistance('ウィドウ', 'ウィンドウ', 1), 1)
  t.equal(boundedDistance('office', 'license', 2), 3, 'beyond the bound: bound + 1')
  t.equal(boundedDistance('', 'abc', 3), 3)
  t.equal(boundedDistance('same', 'same', 0), 0)
})

t.test('alignNormalized: the offset map of normalizeText, read off the normalized text', async (t) => {
  const lines = [
    'Office のライセンス認証に失敗しました。Microsoft 365アプリを再インストールしてください。',
    'エラー コード ０ｘ８００４ＦＣ１２ が表示される場合は、ﾗｲｾﾝｽ を確認します。',
    '在 Outlook 中，您的邮箱已满。请删除一些邮件。',
    'Plain English, no CJK at all: 0x80070005.',
    'Gemischt: Teams-Besprechung 会議 und ein\u200bunsichtbares Zeichen.',
    'e\u0301 composed and ｶﾞ half-width and 々 and ー marks',
    ''
  ]
  for (const line of lines) {
    const full = normalizeText(line, true)
    const aligned = alignNormalized(line, full.text)
    t.ok(aligned, `aligned: ${line.slice(0, 30)}`)
    t.equal(aligned?.text, full.text)
    t.same(Array.from(aligned?.from ?? []), Array.from(full.from ?? []), 'the same start offsets')
    t.same(Array.from(aligned?.to ?? []), Array.from(full.to ?? []), 'the same end offsets')
  }
  t.equal(alignNormalized('会議の予定', '会議 の 予定 表'), null, 'more text than the original: no alignment')
  t.equal(alignNormalized('会議の予定', '会議 の'), null, 'less text than the original: no alignment')
  t.equal(alignNormalized('abc', 'abd'), null, 'another text: no alignment')
})

t.test('alignNormalized agrees with normalizeText on generated mixed-script text', async (t) => {
  const piece = fc.oneof(
    fc.constantFrom(' ', '\n', 'Office', '365', 'アプリ', '会議の予定表', 'ﾗｲｾﾝｽ', '０ｘ８００４', 'e\u0301', '\u200b', '\u00ad', 'ー', '々', '。', '、', '「', '」', '邮箱已满', 'é', '\t', '\u0001'),
    fc.string({ unit: 'grapheme', maxLength: 12 })
  )
  fc.assert(fc.property(fc.array(piece, { maxLength: 20 }).map((p) => p.join('')), (line) => {
    const full = normalizeText(line, true)
    const aligned = alignNormalized(line, full.text)
    return aligned !== null && aligned.text === full.text &&
      Array.from(aligned.from!).join() === Array.from(full.from!).join() && Array.from(aligned.to!).join() === Array.from(full.to!).join()
  }), { seed: 20261126, numRuns: 2000 })
  t.pass('2,000 generated lines')
})

t.test('NFKC_STABLE: every character is its own NFKC form, and not a mark, control or format character', async (t) => {
  const ranges = [...NFKC_STABLE.matchAll(/(.)-(.)/gu)].map((m) => [m[1]!.codePointAt(0)!, m[2]!.codePointAt(0)!] as const)
  t.ok(ranges.length >= 10, `${ranges.length} ranges`)
  const bad: string[] = []
  let checked = 0
  for (const [first, last] of ranges) {
    for (let code = first; code <= last; code++) {
      const c = String.fromCodePoint(code)
      checked++
      // Also after a letter and before one: it neither composes with them nor decomposes
      if (c.normalize('NFKC') !== c || `a${c}b`.normalize('NFKC') !== `a${c}b` || /[\p{M}\p{C}]/u.test(c)) bad.push(code.toString(16))
    }
  }
  t.same(bad, [], `${checked} characters`)
})

/** nfkc as it was before runs of NFKC_STABLE: one code point (with its marks) at a time. */
function nfkcByCodePoint (input: string): { text: string, from: number[], to: number[] } {
  let text = ''
  const from: number[] = []
  const to: number[] = []
  // eslint-disable-next-line no-control-regex -- ASCII runs, as in analyze.ts
  for (const match of input.matchAll(/(?:[\x00-\x7f](?![\p{M}\uff9e\uff9f]))+|[\s\S][\p{M}\uff9e\uff9f]*/gu)) {
    const chunk = match[0]
    // eslint-disable-next-line no-control-regex -- as in analyze.ts
    const ascii = /^[\x00-\x7f]*$/.test(chunk)
    // eslint-disable-next-line no-control-regex -- as in analyze.ts
    const out = ascii ? chunk.replace(/[\x00-\x09\x0b-\x1f\x7f]/g, ' ') : chunk.normalize('NFKC').replace(/\p{Cf}/gu, '').replace(/(?!\n)[\p{Cc}\p{Co}\p{Cs}]/gu, ' ')
    for (let i = 0; i < out.length; i++) {
      from.push(ascii ? match.index + i : match.index)
      to.push(ascii ? match.index + i + 1 : match.index + chunk.length)
    }
    text += out
  }
  return { text, from, to }
}

t.test('nfkc copies stable runs: the same text and map as one code point at a time', async (t) => {
  const piece = fc.oneof(
    fc.constantFrom('ライセンス', 'か\u3099', 'ｶﾞ', 'ﾊﾟ', '\u309b', '会議の予定表', '「', '」', '（', '）', '０ｘ', 'Ärger', 'A\u0308', 'ä\u0301', 'Привет', 'й', 'и\u0306',
      'é', 'e\u0301', '\u200b', '\u00ad', '\u0001', '\n', ' ', 'Office', '々', 'ー', 'ヾ', 'ヿ', '㌔', '①', '\ufeff', '😀', '\ud800'),
    fc.string({ unit: 'grapheme', maxLength: 8 }),
    fc.string({ unit: 'binary', maxLength: 8 })
  )
  fc.assert(fc.property(fc.array(piece, { maxLength: 16 }).map((p) => p.join('')), (line) => {
    const fast = nfkc(line, true)
    const slow = nfkcByCodePoint(line)
    return fast.text === slow.text && Array.from(fast.from!).join() === slow.from.join() && Array.from(fast.to!).join() === slow.to.join()
  }), { seed: 20261126, numRuns: 5000 })
  t.pass('5,000 generated lines')
})

t.test('a Korean word is searched as the start of a word, without its particle', async (t) => {
  t.equal(koreanStem('커넥터를'), '커넥터')
  t.equal(koreanStem('도메인에서'), '도메인')
  t.equal(koreanStem('메일박스가'), '메일박스')
  t.equal(koreanStem('추가'), '추가', 'two syllables stay')
  t.equal(koreanStem('커넥터'), '커넥터', 'no particle')
  t.equal(buildMatchQuery('커넥터를 Office'), '("커넥터를" OR "커넥터" *) AND "Office"')
  t.equal(buildMatchQuery('"커넥터를 설정"'), '"커넥터를 설정"', 'a quoted phrase is taken as typed')
  t.match(analyzeQuery('테넌트').terms, [{ kind: 'word', tokens: ['테넌트'], stems: ['테넌트'] }])
})

t.test('a Hebrew or Arabic word is also searched after the words written onto it, and without its article', async (t) => {
  t.ok(withAttachedWords('שגיאה').includes('לשגיא'), 'after ל, its final ה left open for the plural (שגיאות)')
  t.ok(withAttachedWords('השגיאה').includes('שגיא'), 'without the article')
  t.ok(withAttachedWords('بريد').includes('البريد') && withAttachedWords('بريد').includes('للبريد'), 'with the article, and ل + article as written (لل)')
  t.ok(withAttachedWords('البريد').includes('بريد'), 'without the article')
  t.notOk(withAttachedWords('بريد').includes('بريد'), 'the word itself is the term, not an alternative')
  t.equal(withAttachedWords('הלך').includes('לך'), false, 'a short word keeps its first letter')
  t.match(buildMatchQuery('بريد'), /^\("بريد" OR "بريد" \* OR "البريد" \* OR /, 'the word, then every spelling as a prefix phrase')
  t.equal(buildMatchQuery('"תיבת דואר"'), '"תיבת דואר"', 'a quoted phrase is taken as typed')
})

t.test('a German or Russian word is also searched as the start of a word, less its ending', async (t) => {
  t.same(stemsOf('Postfächern', 'de'), ['Postfäch'])
  t.same(stemsOf('synchronisieren', 'de'), ['synchronisier'])
  t.same(stemsOf('Fehler', 'de'), ['Fehler'], 'five letters stay: Fehl is not the stem of Fehler')
  t.same(stemsOf('Teams', 'de'), ['Teams'])
  t.same(stemsOf('Postfächern', 'en'), [], 'a Latin word of an English page: FTS5 stems it')
  t.same(stemsOf('Fehler', null), [])
  t.same(stemsOf('почтового', null), ['почтов'], 'Cyrillic, whatever the page')
  t.same(stemsOf('ящика', 'ru'), ['ящик'])
  t.same(stemsOf('ящик', 'ru'), ['ящик'], 'no ending: the word as the start of a word')
  t.same(stemsOf('ПК', 'ru'), [], 'too short')
  t.same(stemsOf('σφάλματος', 'el'), ['σφάλ'], 'Greek: the genitive finds σφάλμα and σφάλματα')
  t.same(stemsOf('Office', 'ja'), [])
  t.same([stemsOf('erreurs', 'fr'), stemsOf('errores', 'es'), stemsOf('foutmeldingen', 'nl')], [['erreur'], ['error'], ['foutmelding']], 'French, Spanish, Dutch')
  t.same(stemsOf('virheen', 'fi'), ['virheen'], 'Finnish: the word as typed, as the start of longer ones')
  t.equal(buildMatchQuery(analyzeQuery('Postfach voll', 'de')), '("Postfach" OR "Postfach" *) AND "voll"', 'a word of four letters as typed')
})

t.test('a query gives at most MAX_QUERY_STEMS stems, to its first terms', async (t) => {
  // Distinct Hebrew words, 14 stems each
  const letters = 'אבגדהוזחטיכלמנסעפצקרשת'
  const words = Array.from({ length: MAX_QUERY_TERMS }, (_, i) => `שגיא${letters[i % 22]}${letters[Math.floor(i / 22)]}`)
  const terms = analyzeQuery(words.join(' ')).terms
  t.equal(terms.length, MAX_QUERY_TERMS)
  const stems = terms.map((term) => term.stems?.length ?? 0)
  t.ok(stems.reduce((a, b) => a + b, 0) <= MAX_QUERY_STEMS, `${stems.reduce((a, b) => a + b, 0)} stems in all`)
  t.ok(stems[0]! > 0 && stems.at(-1) === 0, 'the first terms have theirs, the last none')
  t.ok(buildMatchQuery(analyzeQuery(words.join(' '))).split('*').length - 1 <= MAX_QUERY_STEMS, 'and so the MATCH expression')
})
