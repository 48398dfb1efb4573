// Package wire is FastAPI's dialect on the wire, as FastAPI Users' clients
// expect it: how request bodies, forms and query strings are read, the
// shapes of the errors that refuse them (pydantic's 422 lists, 413, 400),
// and how users and errors are written back. It decides nothing about who
// may do what; the root package maps domain errors to Problems and calls
// these readers and writers from its handlers.
//
// Bodies are read strictly (exact member names, one value per name, types
// checked, no trailing data), because encoding/json would match
// "IS_SUPERUSER" to is_superuser and take the last of two values where
// another parser takes the first.
package wire
