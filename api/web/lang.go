package web

import (
	"net/http"
	"strings"

	"github.com/greenreach/greenreach/i18n"
)

// Lang negotiates the language of an answer in words — its lang parameter,
// else Accept-Language, else Chinese — and says so in its headers:
// Content-Language, and Vary: Accept-Language for caches. A lang parameter
// naming no language spoken is a 400 naming those that are.
func Lang(w http.ResponseWriter, r *http.Request) (i18n.Lang, *Error) {
	l, err := i18n.Negotiate(Query(r).Get("lang"), r.Header.Get("Accept-Language"))
	if err != nil {
		if !strings.Contains(err.Error(), "zh-CN or en") {
			return "", BadRequest("%v; want zh-CN or en", err)
		}
		return "", BadRequest("%v", err)
	}
	h := w.Header()
	h.Set("Content-Language", string(l))
	h.Add("Vary", "Accept-Language")
	return l, nil
}
