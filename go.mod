module github.com/greenreach/greenreach

go 1.26.8

require (
	github.com/paulmach/orb v0.14.0
	github.com/tidwall/geodesic v1.52.3
)
