module github.com/routestat/routestat

go 1.26

require (
	github.com/cosnicolaou/pbzip2 v1.0.5 // indirect
	github.com/dsnet/compress v0.0.1 // indirect
	github.com/klauspost/compress v1.20.3 // indirect
	github.com/klauspost/pgzip v1.3.0 // indirect
	github.com/osrg/gobgp/v3 v3.37.0 // indirect
	github.com/ulikunitz/xz v0.5.17 // indirect
)
