// Package emulator is a local Coupa Core API for tests, demos and dry
// rehearsals. It follows the reference notes: JSON or XML, 50-record pages,
// filter operators, fields projections, OAuth scopes, 429s beyond the rate,
// the two-step role removal, the default-account ordering rule, the
// GraphQL roles query, memberships, licences, approval limits, and a Users
// CSV loader keyed as Coupa's is (Id, Login, Employee Number).
//
// What may not live here: the product's own rules or types beyond Coupa's
// shapes (it must behave as Coupa does, not as ccwrecon expects).
package emulator
