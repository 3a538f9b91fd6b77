// Package config reads routestat.yaml, the one configuration file of the
// routestat binary: a section per part (collector, archive, http), every
// field with a default, so that routestat runs with no file at all.
package config
