// Package mock provides function-field mocks of the storage interfaces for
// tests of the packages that use them (ui, app), in the style of
// benbjohnson/wtf: set the XxxFn fields a test expects; any other call
// panics.
package mock
