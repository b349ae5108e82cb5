import sys

from vanphong_signer.agent import main

sys.exit(main())
