// Package corpus generates deterministic synthetic op-eds for tests and
// benchmarks. The text is invented: Zipf-distributed English words from
// words.txt, with the named entities of oped's real subject (Russia, the
// Kremlin, NATO, sanctions…) mixed in so that queries hit realistic
// document frequencies. Article i is the same for a given seed whatever
// else is generated, so corpora are stable and can be built in parallel.
package corpus

import (
	_ "embed"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/oped/oped/archive"
)

//go:embed words.txt
var wordsFile string

// vocabulary is the word list in rank order, duplicates removed.
var vocabulary = func() []string {
	seen := map[string]bool{}
	var words []string
	for _, line := range strings.Split(wordsFile, "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, w := range strings.Fields(line) {
			if !seen[w] {
				seen[w] = true
				words = append(words, w)
			}
		}
	}
	return words
}()

// generalWords is the size of the vocabulary's head: function words and
// everyday words every article uses. The rest is content vocabulary that
// topics draw from, so a content word appears in some articles and not
// others, as in real writing.
const generalWords = 307

// globalEntities appear in most articles: the archive is about Russia.
var globalEntities = []string{"Russia", "the Kremlin", "Moscow", "Putin"}

// Named entities, most frequent first. A few use the typographic
// apostrophe the real sites print; the generator also varies it.
var entities = []string{
	"Ukraine", "sanctions", "NATO", "Vladimir Putin",
	"Washington", "the West", "Europe", "Kyiv", "the European Union", "China", "the United States",
	"Beijing", "Crimea", "the Soviet Union", "the Cold War", "Donald Trump", "North Korea", "Belarus",
	"Sergei Lavrov", "Dmitry Medvedev", "Alexei Navalny", "Gazprom", "Rosneft", "the State Duma",
	"Rex Tillerson", "Georgia", "Kazakhstan", "Central Asia", "the Caucasus", "Siberia", "St. Petersburg",
	"the ruble", "oil prices", "Volodymyr Zelensky", "Joe Biden", "Barack Obama", "Angela Merkel",
	"Alexander Lukashenko", "Chechnya", "Ramzan Kadyrov", "Donbas", "Mariupol", "Kharkiv", "Odesa",
	"the Black Sea", "the Baltic states", "Poland", "Germany", "France", "Turkey", "Iran", "Syria",
	"the United Nations", "the G20", "the IMF", "the Central Bank", "Elvira Nabiullina", "Wagner",
	"Yevgeny Prigozhin", "Sergei Shoigu", "the FSB", "the KGB", "Gorbachev", "Yeltsin", "Stalin",
	"Nord Stream", "the Arctic", "Minsk", "Tbilisi", "Astana", "Tehran", "Damascus",
}

// Possessive forms, for "Trump’s"-style apostrophe tests.
var possessors = []string{
	"Russia", "Putin", "the Kremlin", "Moscow", "Ukraine", "Trump", "Tillerson", "NATO", "Europe",
	"China", "Navalny", "Lavrov", "Medvedev", "Zelensky", "Washington",
}

// Stock phrases, so that phrase queries have something to find.
var phrases = []string{
	"fire and fury", "the rule of law", "a new Cold War", "the war in Ukraine", "regime change",
	"the annexation of Crimea", "the collapse of the Soviet Union", "civil society", "the energy crisis",
	"economic sanctions", "the sphere of influence", "a frozen conflict", "the security services",
	"managed democracy", "the vertical of power", "foreign agents", "the national interest",
}

var firstNames = []string{
	"Maxim", "Alexei", "Sergei", "Dmitry", "Andrei", "Ivan", "Mikhail", "Nikolai", "Pavel", "Vladimir",
	"Yuri", "Boris", "Oleg", "Igor", "Konstantin", "Grigory", "Leonid", "Viktor", "Fyodor", "Arkady",
	"Anna", "Maria", "Elena", "Olga", "Tatiana", "Natalia", "Irina", "Ekaterina", "Yulia", "Svetlana",
	"Ksenia", "Daria", "Anastasia", "Vera", "Lyudmila", "Galina", "Nadezhda", "Polina", "Alina", "Sofia",
	"John", "Michael", "David", "James", "Robert", "William", "Thomas", "Richard", "Mark", "Paul",
	"Steven", "Andrew", "Peter", "Matthew", "Daniel", "Joseph", "Samuel", "Benjamin", "Jonathan", "Eric",
	"Mary", "Susan", "Sarah", "Laura", "Emily", "Jennifer", "Elizabeth", "Rebecca", "Catherine", "Rachel",
	"Anne", "Judith", "Kimberly", "Angela", "Hannah", "Claire", "Fiona", "Nora", "Lucy", "Helen",
	"Taras", "Oksana", "Bohdan", "Mykola", "Iryna", "Olena", "Giorgi", "Nino", "Aidos", "Gulnara",
}

var lastNames = []string{
	"Trudolyubov", "Ivanov", "Petrov", "Smirnov", "Kuznetsov", "Popov", "Volkov", "Sokolov", "Lebedev",
	"Kozlov", "Novikov", "Morozov", "Pavlov", "Orlov", "Semenov", "Golubev", "Vinogradov", "Bogdanov",
	"Vorobyov", "Fedorov", "Mikhailov", "Belyaev", "Tarasov", "Belov", "Komarov", "Kiselyov", "Makarov",
	"Andreyev", "Kovalyov", "Ilyin", "Gusev", "Titov", "Kuzmin", "Kudryavtsev", "Baranov", "Kulikov",
	"Alexeyev", "Stepanov", "Yakovlev", "Sorokin", "Sergeyev", "Romanov", "Zakharov", "Borisov",
	"Korolev", "Gerasimov", "Ponomarev", "Grigoriev", "Lazarev", "Medvedev", "Ershov", "Nikitin",
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
	"Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson",
	"Walker", "Young", "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill",
	"Campbell", "Mitchell", "Roberts", "Carter", "Phillips", "Evans", "Turner", "Parker", "Collins",
	"Edwards", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson", "Reed",
	"O’Brien", "O'Neill", "Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Kravchenko", "Melnyk",
	"Beridze", "Kapanadze", "Nurlanov", "Abenov", "Galeotti", "Hill", "Stent", "Weiss", "Rojansky",
}

var tags = []string{
	"Russia", "Ukraine", "Kremlin", "Putin", "Sanctions", "Economy", "War in Ukraine", "NATO", "Elections",
	"Opposition", "Media", "Human rights", "Energy", "Oil", "Gas", "China", "United States", "Europe",
	"Foreign policy", "Military", "Security", "Corruption", "Protests", "Navalny", "Crimea", "Belarus",
	"Central Asia", "Caucasus", "History", "Soviet Union", "Culture", "Religion", "Demography", "Migration",
	"Climate", "Arctic", "Technology", "Internet", "Censorship", "Courts", "Business", "Banks", "Ruble",
	"Inflation", "Regions", "Moscow", "St. Petersburg", "Siberia", "Education", "Health", "Covid-19",
	"Nuclear weapons", "Arms control", "Diplomacy", "Syria", "Middle East", "North Korea", "Trump",
}

// Sections per site, most frequent first.
var sections = map[string][]string{
	mtSite:     {"Opinion", "Opinion", "Opinion", "News", "Business", "Meanwhile", "Arts and Life", "Climate"},
	wilsonSite: {"The Russia File", "The Russia File", "Kennan Cable", "Blog Post", "Article", "Analysis"},
}

const (
	mtSite          = "The Moscow Times"
	wilsonSite      = "Wilson Center"
	kennan          = "Kennan Institute"
	numAuthors      = 2000
	numTopics       = 40
	topicWords      = 300 // content words per topic
	topicEntities   = 6
	generalShare    = 0.6 // share of running words from the general head
	firstYear       = 2006
	years           = 20
	minBodyWords    = 600
	maxBodyWords    = 1400
	entityPerWord   = 0.03   // chance a word slot holds a named entity
	phrasePerWord   = 0.0015 // about one stock phrase per article: each is in a few percent of them
	possessPerWord  = 0.005
	curlyApostrophe = 0.6 // share of possessives with ’ rather than '
)

// Generator makes synthetic articles for one seed.
type Generator struct {
	seed    uint64
	authors []string
	topics  []topic
}

// topic is a slice of the content vocabulary and a few named entities;
// each article is about one or two topics.
type topic struct {
	words    []string
	entities []string
}

// New returns a generator; the same seed always yields the same corpus.
func New(seed int64) *Generator {
	g := &Generator{seed: uint64(seed)}
	// ~2,000 distinct authors drawn once per seed
	r := rand.New(rand.NewPCG(g.seed, 0x9e3779b97f4a7c15))
	seen := map[string]bool{}
	for len(g.authors) < numAuthors {
		name := firstNames[r.IntN(len(firstNames))] + " " + lastNames[r.IntN(len(lastNames))]
		if !seen[name] {
			seen[name] = true
			g.authors = append(g.authors, name)
		}
	}
	content := vocabulary[generalWords:]
	for range numTopics {
		perm := r.Perm(len(content))
		t := topic{}
		for _, k := range perm[:topicWords] {
			t.words = append(t.words, content[k])
		}
		for range topicEntities {
			t.entities = append(t.entities, entities[min(int(r.ExpFloat64()*12), len(entities)-1)])
		}
		g.topics = append(g.topics, t)
	}
	return g
}

// Authors is the generator's author list, most prolific first.
func (g *Generator) Authors() []string { return append([]string(nil), g.authors...) }

// Articles returns articles 0..n-1.
func (g *Generator) Articles(n int) []*archive.Article {
	out := make([]*archive.Article, n)
	for i := range out {
		out[i] = g.Article(i)
	}
	return out
}

// Article returns article i. It depends only on the seed and i.
func (g *Generator) Article(i int) *archive.Article {
	r := rand.New(rand.NewPCG(g.seed, uint64(i)+1))
	w := &writer{
		r:          r,
		general:    rand.NewZipf(r, 1.07, 2.7, generalWords-1),
		topical:    rand.NewZipf(r, 1.05, 2, topicWords-1),
		topics:     []topic{g.topics[r.IntN(numTopics)]},
		entityRank: rand.NewZipf(r, 1.2, 1, topicEntities-1),
	}
	if r.Float64() < 0.4 {
		w.topics = append(w.topics, g.topics[r.IntN(numTopics)])
	}

	site := mtSite
	if r.Float64() < 0.3 {
		site = wilsonSite
	}
	start := time.Date(firstYear, 1, 1, 0, 0, 0, 0, time.UTC)
	published := start.Add(time.Duration(r.Int64N(int64(years * 365 * 24 * time.Hour)))).Truncate(time.Minute)

	a := &archive.Article{
		Site:      site,
		Section:   sections[site][r.IntN(len(sections[site]))],
		Title:     w.title(),
		Subtitle:  w.sentence(8, 16),
		Published: published,
		Language:  "en",
	}
	// The archive keeps an "(Op-ed)" label as the kind, never in the title,
	// and the dump format carries it only for opinion pieces.
	if a.Section == "Opinion" {
		a.Kind = "op-ed"
	}
	// Authors follow Zipf too: a few columnists write a lot.
	authorZipf := rand.NewZipf(r, 1.1, 8, numAuthors-1)
	a.Authors = []string{g.authors[authorZipf.Uint64()]}
	if r.Float64() < 0.1 {
		if second := g.authors[r.IntN(numAuthors)]; second != a.Authors[0] {
			a.Authors = append(a.Authors, second)
		}
	}
	tagZipf := rand.NewZipf(r, 1.2, 3, uint64(len(tags)-1))
	seenTag := map[string]bool{}
	for range 1 + r.IntN(4) {
		t := tags[tagZipf.Uint64()]
		if !seenTag[t] {
			seenTag[t] = true
			a.Tags = append(a.Tags, t)
		}
	}
	if site == wilsonSite && r.Float64() < 0.4 || site == mtSite && r.Float64() < 0.05 {
		a.OriginalPublisher = kennan
	}
	a.Body = w.body(minBodyWords + r.IntN(maxBodyWords-minBodyWords+1))

	slug := slugify(a.Title)
	if site == mtSite {
		a.URL = fmt.Sprintf("https://www.themoscowtimes.com/%s/%s-a%d", published.Format("2006/01/02"), slug, 10000+i)
	} else {
		a.URL = fmt.Sprintf("https://www.wilsoncenter.org/blog-post/%s-%d", slug, i)
	}
	a.Normalize()
	return a
}

type writer struct {
	r          *rand.Rand
	general    *rand.Zipf
	topical    *rand.Zipf
	topics     []topic
	entityRank *rand.Zipf
}

func (w *writer) word() string {
	if w.r.Float64() < generalShare {
		return vocabulary[w.general.Uint64()]
	}
	return w.topics[w.r.IntN(len(w.topics))].words[w.topical.Uint64()]
}

// entity names a global entity or one of the article's topics'.
func (w *writer) entity() string {
	if w.r.Float64() < 0.4 {
		return globalEntities[min(int(w.r.ExpFloat64()*1.5), len(globalEntities)-1)]
	}
	return w.topics[w.r.IntN(len(w.topics))].entities[w.entityRank.Uint64()]
}

// slot returns the next item of running text: usually a word, sometimes a
// named entity, a possessive or a stock phrase.
func (w *writer) slot() string {
	switch p := w.r.Float64(); {
	case p < phrasePerWord:
		return phrases[w.r.IntN(len(phrases))]
	case p < phrasePerWord+possessPerWord:
		apostrophe := "'"
		if w.r.Float64() < curlyApostrophe {
			apostrophe = "’"
		}
		return possessors[w.r.IntN(len(possessors))] + apostrophe + "s"
	case p < phrasePerWord+possessPerWord+entityPerWord:
		return w.entity()
	}
	return w.word()
}

func (w *writer) sentence(minWords, maxWords int) string {
	n := minWords + w.r.IntN(maxWords-minWords+1)
	parts := make([]string, 0, n)
	for i := 0; i < n; i++ {
		s := w.slot()
		if i > 2 && i < n-2 && w.r.Float64() < 0.06 {
			s += ","
		}
		parts = append(parts, s)
	}
	end := "."
	if w.r.Float64() < 0.05 {
		end = "?"
	}
	return capitalize(strings.Join(parts, " ")) + end
}

func (w *writer) title() string {
	n := 4 + w.r.IntN(6)
	parts := make([]string, 0, n+1)
	for range n {
		parts = append(parts, w.slot())
	}
	// every title names an entity, as op-ed headlines do
	parts[w.r.IntN(len(parts))] = w.entity()
	for i, p := range parts {
		parts[i] = capitalize(p)
	}
	return strings.Join(parts, " ")
}

func (w *writer) body(words int) string {
	var b strings.Builder
	count := 0
	for count < words {
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		for range 3 + w.r.IntN(4) {
			s := w.sentence(8, 30)
			if count > 0 && !strings.HasSuffix(b.String(), "\n\n") {
				b.WriteByte(' ')
			}
			b.WriteString(s)
			count += strings.Count(s, " ") + 1
			if count >= words {
				break
			}
		}
	}
	return b.String()
}

func capitalize(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || unicode.IsUpper(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}

func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
