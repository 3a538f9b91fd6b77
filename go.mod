module github.com/routestat/routestat

go 1.26

require (
	github.com/klauspost/compress v1.20.3 // indirect
	github.com/osrg/gobgp/v3 v3.37.0 // indirect
	github.com/ulikunitz/xz v0.5.17 // indirect
)
