module github.com/routestat/routestat

go 1.26

require (
	github.com/cosnicolaou/pbzip2 v1.0.5
	github.com/dsnet/compress v0.0.1
	github.com/klauspost/compress v1.20.3
	github.com/klauspost/pgzip v1.3.0
	github.com/ulikunitz/xz v0.5.17
)

require github.com/osrg/gobgp/v3 v3.37.0
