import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

// No PowerShell here (and none in Debian's archive): install.ps1 is checked as text against what
// Windows PowerShell 5.1 and PowerShell 7 are documented to do. Comments are dropped first.
const script = readFileSync(join(import.meta.dir, '../../install.ps1'), 'utf8')
  .split('\n')
  .filter((line) => !line.trim().startsWith('#'))
  .join('\n')

describe('install.ps1 (checked as text: no PowerShell on this machine)', () => {
  test('a downloaded text file is read from disk, not from .Content', () => {
    // GitHub serves release assets (VERSION, SHA256SUMS) as application/octet-stream; for a type
    // that is not text, Invoke-WebRequest's .Content is a byte[], and .ToString() is "System.Byte[]":
    // the version became "System.Byte[]" and no line of SHA256SUMS matched.
    expect(script).not.toMatch(/\.Content\b/)
    // …through a helper that saves it (-OutFile) and reads the file back as text.
    const helper = /function Get-Text\(\[string\]\$Url, \[string\]\$Path\) \{\n\s*Invoke-WebRequest -UseBasicParsing \$Url -OutFile \$Path\n\s*\[System\.IO\.File\]::ReadAllText\(\$Path\)\n\s*\}/
    expect(script).toMatch(helper)
    for (const url of ['"$Base/latest/download/VERSION"', '"$Release/SHA256SUMS"']) {
      const line = script.split('\n').find((entry) => entry.includes(url))!
      expect(line, url).toMatch(new RegExp(`Get-Text ${url.replace(/[$/]/g, '\\$&')} \\(Join-Path \\$Temp '\\w+'\\)`))
    }
  })

  test('ASCII only: GitHub serves it with no charset, and how irm decodes anything else depends on the PowerShell version', () => {
    expect(readFileSync(join(import.meta.dir, '../../install.ps1'), 'utf8')).toMatch(/^[\x00-\x7f]*$/)
  })

  test('a failure does not close the PowerShell window it was piped into (irm … | iex)', () => {
    // iex runs the script in the caller's session: `exit` ends that session, error and all.
    expect(script).not.toMatch(/(^|[\s;{}])exit\b/m)
    // …and the script's preferences ($ErrorActionPreference = 'Stop') stay inside its own scope.
    expect(script.trim().startsWith('& {')).toBe(true)
    expect(script.trim().endsWith('}')).toBe(true)
  })

  test('an upgrade while codex-shim.exe runs (the start-at-login task) moves the running one aside first', () => {
    // Windows cannot delete or overwrite a running .exe, but can rename it.
    const aside = script.search(/if \(Test-Path \$Target\) \{ Move-Item \$Target [^\n]*\.old'\)\) \}/)
    const replace = script.search(/Move-Item \$Partial \$Target/)
    expect(aside).toBeGreaterThan(-1)
    expect(replace).toBeGreaterThan(aside)
  })

  test('a 32-bit PowerShell on 64-bit Windows installs the x64 build', () => {
    // There PROCESSOR_ARCHITECTURE says x86; PROCESSOR_ARCHITEW6432 holds the machine's.
    expect(script).toContain('$env:PROCESSOR_ARCHITEW6432')
  })
})
