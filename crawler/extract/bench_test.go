package extract

import (
	"strings"
	"testing"
)

// BenchmarkExtract measures each extractor over its own article fixtures,
// reported as pages/s and MB/s of page bytes.
func BenchmarkExtract(b *testing.B) {
	for _, name := range Names() {
		b.Run(name, func(b *testing.B) {
			var pages []*Page
			var size int64
			for _, fx := range fixtures {
				if fx.extractor != name {
					continue
				}
				p := loadFixture(b, fx)
				if _, err := extractFixture(b, fx); err != nil {
					continue // not-article pages are cheap and would flatter the figure
				}
				if strings.HasSuffix(fx.name, "original") {
					continue
				}
				pages = append(pages, p)
				size += int64(len(p.Body))
			}
			if len(pages) == 0 {
				b.Skip("no article fixtures")
			}
			fn, _ := Lookup(name)
			b.SetBytes(size / int64(len(pages)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := fn(pages[i%len(pages)]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
		})
	}
}

// BenchmarkMoscowTimesFullSize pads the op-ed fixture to the size of a live
// article page (~150 KB: inline scripts, sidebar and "Read more" cards),
// since parse time grows with the page, not with the article.
func BenchmarkMoscowTimesFullSize(b *testing.B) {
	p := loadFixture(b, fixtureNamed(b, "moscowtimes/oped-kennan"))
	var pad strings.Builder
	pad.WriteString("<script>" + strings.Repeat("window.dataLayer=window.dataLayer||[];dataLayer.push({'event':'x'});\n", 800) + "</script>")
	for i := 0; i < 60; i++ {
		pad.WriteString(`<div class="col-3 col-6-sm"><div class="article-excerpt-default"><a class="article-excerpt-default__link" href="https://www.themoscowtimes.com/2017/09/01/a-piece-a58770"><div class="article-excerpt-default__image-wrapper"><img src="https://static.themoscowtimes.com/image/320/aa/x.jpg" /></div><h3 class="article-excerpt-default__headline">A Different Piece Entirely</h3><div class="article-excerpt-default__teaser">Teaser text that must not reach the body, long enough to look real.</div><span class="article-excerpt-default__author">Somebody</span></a></div></div>`)
	}
	body := strings.Replace(string(p.Body), `<div class="container next-article-loader"`, pad.String()+`<div class="container next-article-loader"`, 1)
	p.Body = []byte(body)
	b.SetBytes(int64(len(p.Body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := MoscowTimes(p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}
