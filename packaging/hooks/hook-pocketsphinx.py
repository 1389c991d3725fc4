"""pocketsphinx (spoken consent phrase check) reads its bundled English acoustic model and dictionary from the
package's model/ folder: ship it."""

from PyInstaller.utils.hooks import collect_data_files

datas = collect_data_files("pocketsphinx")
