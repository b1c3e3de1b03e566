// Progressive enhancement only: every page works without this file.
import { initAll } from './nhsuk-frontend.min.js'

document.body.classList.add('js-enabled', 'nhsuk-frontend-supported')
initAll()

// "Add another" on a form of numbered rows (a plan's goals and actions): copy the last
// row, number it next, empty it, and move focus to it. Without this file the same button
// asks the server for the form with one more row.
for (const add of document.querySelectorAll('[data-lw-add]')) {
  const rows = document.querySelector(`[data-lw-rows="${add.dataset.lwAdd}"]`)
  if (!rows) continue
  add.addEventListener('click', (event) => {
    const all = rows.querySelectorAll('[data-lw-row]')
    const last = all[all.length - 1]
    if (!last) return
    event.preventDefault()
    const next = all.length
    const row = last.cloneNode(true)
    const renumber = (value) => value.replace(/\[\d+\]/, `[${next}]`)
    for (const el of row.querySelectorAll('[id], [name], [for], [aria-describedby]')) {
      for (const attribute of ['id', 'name', 'for', 'aria-describedby']) {
        if (el.hasAttribute(attribute)) el.setAttribute(attribute, renumber(el.getAttribute(attribute)))
      }
    }
    for (const input of row.querySelectorAll('input')) {
      if (input.type === 'checkbox') input.checked = false
      else input.value = ''
      input.classList.remove('nhsuk-input--error')
    }
    for (const error of row.querySelectorAll('.nhsuk-error-message')) error.remove()
    for (const group of row.querySelectorAll('.nhsuk-form-group--error')) group.classList.remove('nhsuk-form-group--error')
    const legend = row.querySelector('legend')
    if (legend) legend.textContent = legend.textContent.replace(/\d+/, String(next + 1))
    last.after(row)
    row.querySelector('input')?.focus()
  })
}

// A print button where the browser can print (or save as PDF from its print dialog).
for (const button of document.querySelectorAll('[data-lw-print]')) {
  button.hidden = false
  button.addEventListener('click', () => window.print())
}
