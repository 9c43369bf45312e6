from blinker import Namespace

signals = Namespace()
help_confirmed = signals.signal("linli.sharing.help-confirmed")
